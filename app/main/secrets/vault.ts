// ConVirt's secret store: one encrypted file in the data folder (secrets.vault, mode 0600).
// Each value is sealed with AES-256-GCM under a random data key; the data key itself is wrapped
// by a KeyProtection (Electron's safeStorage on the desktop, a master passphrase run through
// scrypt elsewhere). Entry names and labels (`ssh-password:root@web1`) stay readable so secrets
// can be listed and forgotten by name without unlocking; each seal is bound to its entry's name,
// label and date, so altering them is detected like altering a value.
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
  /** `kind:subject`, e.g. `ssh-password:root@web1`, `http-header:<uuid>`. */
  id: string;
  /** What to show the operator. */
  label: string;
  createdAt: string;
}

interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

/** An entry as stored: its name in the clear, its value sealed. */
type StoredEntry = VaultEntry & Sealed;

interface VaultFile {
  format: typeof FORMAT;
  version: 1;
  key: WrappedKey;
  /** A known text sealed under the data key: proves the key right before anything is read. */
  check: Sealed;
  entries: StoredEntry[];
}

const CHECK_TEXT = 'convirt secret store key check';

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

/**
 * What a seal is bound to: this vault's wrapped key and, for an entry, its name, label and date.
 * A value moved to another entry, or a renamed entry, fails its tag.
 */
function binding(key: WrappedKey, entry?: VaultEntry): Buffer {
  return Buffer.from(
    JSON.stringify([FORMAT, 1, key.wrapped, entry ? [entry.id, entry.label, entry.createdAt] : []]),
  );
}

function sealText(dataKey: Buffer, text: string, aad: Buffer): Sealed {
  const sealed = seal(dataKey, Buffer.from(text, 'utf8'), aad);
  return {
    iv: sealed.iv.toString('base64'),
    tag: sealed.tag.toString('base64'),
    data: sealed.data.toString('base64'),
  };
}

function unsealText(dataKey: Buffer, sealed: Sealed, aad: Buffer): string | undefined {
  return unseal(
    dataKey,
    { iv: b64(sealed.iv), tag: b64(sealed.tag), data: b64(sealed.data) },
    aad,
  )?.toString('utf8');
}

/**
 * Entries are sealed one by one, so an entry can be forgotten (removed from the file) without
 * the data key, i.e. without asking the master passphrase; adding or reading one needs it.
 */
export class SecretVault {
  readonly file: string;
  private dataKey: Buffer | undefined;
  /** The wrapped key the data key came from: another wrapped key means another vault. */
  private unlockedFor: string | undefined;
  private unlocking: Promise<void> | undefined;

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
    return (this.read()?.entries ?? []).map(({ id, label, createdAt }) => ({
      id,
      label,
      createdAt,
    }));
  }

  has(id: string): boolean {
    return this.list().some((e) => e.id === id);
  }

  get isUnlocked(): boolean {
    const current = this.read();
    return this.dataKey !== undefined && (!current || current.key.wrapped === this.unlockedFor);
  }

  /**
   * Unlocks, creating the vault when there is none; may ask a question (the passphrase). Callers
   * arriving while a question is out wait for that one answer instead of asking again.
   */
  unlock(): Promise<void> {
    if (this.isUnlocked) return Promise.resolve();
    this.unlocking ??= this.unlockNow().finally(() => (this.unlocking = undefined));
    return this.unlocking;
  }

  private async unlockNow(): Promise<void> {
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
    const { file, dataKey } = this.opened();
    const entry = file.entries.find((e) => e.id === id);
    if (!entry) return undefined;
    const value = unsealText(dataKey, entry, binding(file.key, entry));
    if (value === undefined) throw this.damaged();
    return value;
  }

  /** Adds or replaces an entry. Needs the vault unlocked. */
  set(id: string, value: string, label: string): void {
    const { file, dataKey } = this.opened();
    const entry: VaultEntry = { id, label, createdAt: new Date().toISOString() };
    const sealed = sealText(dataKey, value, binding(file.key, entry));
    this.write({
      ...file,
      entries: [...file.entries.filter((e) => e.id !== id), { ...entry, ...sealed }],
    });
  }

  /** Removes entries; true when one existed. Needs no unlocking. */
  delete(...ids: string[]): boolean {
    const file = this.read();
    if (!file?.entries.some((e) => ids.includes(e.id))) return false;
    this.write({ ...file, entries: file.entries.filter((e) => !ids.includes(e.id)) });
    return true;
  }

  private damaged(): VaultError {
    return new VaultError(
      `ConVirt's secret store (${this.file}) has been altered or damaged: it fails its ` +
        'integrity check. Nothing was read from it.',
    );
  }

  /** Checks the key, then every entry: a wrong key or any altered entry refuses the whole. */
  private accept(file: VaultFile, dataKey: Buffer): void {
    if (unsealText(dataKey, file.check, binding(file.key)) !== CHECK_TEXT) throw this.damaged();
    for (const entry of file.entries) {
      if (unsealText(dataKey, entry, binding(file.key, entry)) === undefined) throw this.damaged();
    }
    this.dataKey = dataKey;
    this.unlockedFor = file.key.wrapped;
  }

  private create(dataKey: Buffer, key: WrappedKey): void {
    this.write({
      format: FORMAT,
      version: 1,
      key,
      check: sealText(dataKey, CHECK_TEXT, binding(key)),
      entries: [],
    });
    this.dataKey = dataKey;
    this.unlockedFor = key.wrapped;
  }

  /** The current file and the data key that opens it; throws when locked. */
  private opened(): { file: VaultFile; dataKey: Buffer } {
    const file = this.read();
    if (!file || !this.dataKey || file.key.wrapped !== this.unlockedFor) {
      this.lock();
      throw new VaultLockedError(this.file, 'it has not been unlocked.');
    }
    return { file, dataKey: this.dataKey };
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

  /** Writes atomically: a temporary file (0600, synced), then a rename over the old one. */
  private write(file: VaultFile): void {
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
  }
}
