// ConVirt's secret store: one encrypted file in the data folder (secrets.vault, mode 0600).
// Values are sealed together with AES-256-GCM under a random data key; the data key itself is
// wrapped by a KeyProtection (Electron's safeStorage on the desktop, a master passphrase run
// through scrypt elsewhere). Entry names and labels (`ssh-password:root@web1`) stay readable so
// secrets can be listed and forgotten by name without unlocking; they are covered by the same
// authentication tag, so altering them is detected like altering a value.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export const VAULT_FILE = 'secrets.vault';
const FORMAT = 'convirt-secrets';

/** Something the vault refuses or cannot do; the message never contains a secret. */
export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultError';
  }
}

/** The vault is locked and cannot be unlocked here and now (no way to ask, or refused). */
export class VaultLockedError extends VaultError {
  constructor(file: string, reason: string) {
    super(`ConVirt's secret store (${file}) is locked: ${reason}`);
    this.name = 'VaultLockedError';
  }
}

/** How the data key is wrapped, as stored in the file (no secret in it). */
export interface WrappedKey {
  kind: string;
  /** Parameters the protection needs to unwrap (salt, cost...). */
  params: Record<string, string | number>;
  /** The wrapped data key, base64. */
  wrapped: string;
}

export interface KeyProtection {
  readonly kind: string;
  /** Wraps a new data key. */
  wrap(dataKey: Buffer): Promise<WrappedKey>;
  /** The data key back; a VaultError when it cannot be (wrong passphrase, unavailable). */
  unwrap(stored: WrappedKey): Promise<Buffer>;
  /** Synchronous forms, for protections that need no question (safeStorage). */
  wrapSync?(dataKey: Buffer): WrappedKey;
  unwrapSync?(stored: WrappedKey): Buffer;
}

export interface VaultEntry {
  /** `kind:subject`, e.g. `ssh-password:root@web1`, `http-header:7:0`. */
  id: string;
  /** What to show the operator. */
  label: string;
  createdAt: string;
}

interface VaultFile {
  format: typeof FORMAT;
  version: 1;
  key: WrappedKey;
  entries: VaultEntry[];
  iv: string;
  tag: string;
  data: string;
}

/** Everything but the ciphertext and its tag, in a fixed order: the AAD of the seal. */
function header(file: Pick<VaultFile, 'format' | 'version' | 'key' | 'entries'>): Buffer {
  return Buffer.from(
    JSON.stringify([
      file.format,
      file.version,
      file.key,
      file.entries.map((e) => [e.id, e.label, e.createdAt]),
    ]),
  );
}

/** AES-256-GCM with a fresh 96-bit IV. */
export function seal(
  key: Buffer,
  plain: Buffer,
  aad?: Buffer,
): { iv: Buffer; tag: Buffer; data: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad) cipher.setAAD(aad);
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), data };
}

/** The plain bytes, or undefined when the key is wrong or anything was altered. */
export function unseal(
  key: Buffer,
  sealed: { iv: Buffer; tag: Buffer; data: Buffer },
  aad?: Buffer,
): Buffer | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.data), decipher.final()]);
  } catch {
    return undefined;
  }
}

const b64 = (s: string) => Buffer.from(s, 'base64');

export class SecretVault {
  readonly file: string;
  private dataKey: Buffer | undefined;
  /** The wrapped key the data key came from: another wrapped key means another vault. */
  private unlockedFor: string | undefined;

  constructor(
    dataDir: string,
    private readonly protection: KeyProtection,
  ) {
    this.file = join(dataDir, VAULT_FILE);
  }

  /** How this vault's key is protected (`safeStorage`, `passphrase`). */
  get protectionKind(): string {
    return this.protection.kind;
  }

  exists(): boolean {
    return this.read() !== undefined;
  }

  /** The entries, without their values; needs no unlocking. */
  list(): VaultEntry[] {
    return this.read()?.entries ?? [];
  }

  has(id: string): boolean {
    return this.list().some((e) => e.id === id);
  }

  get isUnlocked(): boolean {
    const current = this.read();
    return this.dataKey !== undefined && (!current || current.key.wrapped === this.unlockedFor);
  }

  /** Unlocks, creating the vault when there is none; may ask a question (the passphrase). */
  async unlock(): Promise<void> {
    if (this.isUnlocked) return;
    const current = this.read();
    if (current) {
      this.accept(current, await this.protection.unwrap(current.key));
    } else {
      const dataKey = randomBytes(32);
      this.create(dataKey, await this.protection.wrap(dataKey));
    }
  }

  /** Unlocks without asking anything, when the protection allows it; false otherwise. */
  tryUnlockSync(): boolean {
    if (this.isUnlocked) return true;
    const protection = this.protection;
    if (!protection.unwrapSync || !protection.wrapSync) return false;
    const current = this.read();
    if (current) {
      this.accept(current, protection.unwrapSync(current.key));
    } else {
      const dataKey = randomBytes(32);
      this.create(dataKey, protection.wrapSync(dataKey));
    }
    return true;
  }

  lock(): void {
    this.dataKey = undefined;
    this.unlockedFor = undefined;
  }

  /** The value of an entry, undefined when there is none. Needs the vault unlocked. */
  get(id: string): string | undefined {
    return this.open()[id];
  }

  /** Adds or replaces an entry. Needs the vault unlocked. */
  set(id: string, value: string, label: string): void {
    const file = this.read();
    const values = this.open(file);
    values[id] = value;
    const entries = (file?.entries ?? []).filter((e) => e.id !== id);
    entries.push({ id, label, createdAt: new Date().toISOString() });
    this.write(file?.key ?? this.mustHaveKey(), entries, values);
  }

  /** Removes entries; true when one existed. Needs the vault unlocked unless none matches. */
  delete(...ids: string[]): boolean {
    const file = this.read();
    if (!file?.entries.some((e) => ids.includes(e.id))) return false;
    const values = this.open(file);
    for (const id of ids) delete values[id];
    this.write(
      file.key,
      file.entries.filter((e) => !ids.includes(e.id)),
      values,
    );
    return true;
  }

  private mustHaveKey(): WrappedKey {
    throw new VaultLockedError(this.file, 'it has not been unlocked.');
  }

  private accept(file: VaultFile, dataKey: Buffer): void {
    if (!this.decrypt(file, dataKey)) {
      throw new VaultError(
        `ConVirt's secret store (${this.file}) has been altered or damaged: it fails its ` +
          'integrity check. Nothing was read from it.',
      );
    }
    this.dataKey = dataKey;
    this.unlockedFor = file.key.wrapped;
  }

  private create(dataKey: Buffer, key: WrappedKey): void {
    this.dataKey = dataKey;
    this.write(key, [], {});
  }

  /** The values, decrypted; throws when locked or altered. */
  private open(file = this.read()): Record<string, string> {
    if (!file) {
      if (!this.dataKey) throw new VaultLockedError(this.file, 'it has not been unlocked.');
      return {};
    }
    if (!this.dataKey || file.key.wrapped !== this.unlockedFor) {
      this.lock();
      throw new VaultLockedError(this.file, 'it has not been unlocked.');
    }
    const values = this.decrypt(file, this.dataKey);
    if (!values) {
      throw new VaultError(
        `ConVirt's secret store (${this.file}) has been altered or damaged: it fails its ` +
          'integrity check. Nothing was read from it.',
      );
    }
    return values;
  }

  private decrypt(file: VaultFile, dataKey: Buffer): Record<string, string> | undefined {
    const plain = unseal(
      dataKey,
      { iv: b64(file.iv), tag: b64(file.tag), data: b64(file.data) },
      header(file),
    );
    if (!plain) return undefined;
    const values = JSON.parse(plain.toString('utf8')) as Record<string, string>;
    // The names in the clear must be exactly the sealed ones.
    const ids = Object.keys(values).sort().join('\n');
    if (
      ids !==
      file.entries
        .map((e) => e.id)
        .sort()
        .join('\n')
    )
      return undefined;
    return values;
  }

  private read(): VaultFile | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new VaultError(
        `Cannot read ConVirt's secret store (${this.file}): ${(err as Error).message}`,
      );
    }
    let file: VaultFile;
    try {
      file = JSON.parse(text) as VaultFile;
    } catch {
      file = {} as VaultFile;
    }
    if (file.format !== FORMAT || file.version !== 1 || !Array.isArray(file.entries)) {
      throw new VaultError(
        `${this.file} is not a ConVirt secret store this version can read (damaged, or newer).`,
      );
    }
    if (file.key.kind !== this.protection.kind) {
      throw new VaultError(
        `ConVirt's secret store (${this.file}) is protected by ${file.key.kind}, which is not ` +
          `available here (this process uses ${this.protection.kind}).`,
      );
    }
    return file;
  }

  /** Seals and writes atomically: a temporary file (0600, synced), then a rename over the old. */
  private write(key: WrappedKey, entries: VaultEntry[], values: Record<string, string>): void {
    if (!this.dataKey) throw new VaultLockedError(this.file, 'it has not been unlocked.');
    const head = { format: FORMAT, version: 1, key, entries } as const;
    const sealed = seal(this.dataKey, Buffer.from(JSON.stringify(values)), header(head));
    const file: VaultFile = {
      ...head,
      iv: sealed.iv.toString('base64'),
      tag: sealed.tag.toString('base64'),
      data: sealed.data.toString('base64'),
    };
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, JSON.stringify(file, null, 1));
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(temp, { force: true });
      throw err;
    }
    closeSync(fd);
    renameSync(temp, this.file);
    this.unlockedFor = key.wrapped;
  }
}
