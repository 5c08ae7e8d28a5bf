// Whether a host key is trusted, decided as OpenSSH decides it, from the user's own known_hosts
// files and ConVirt's store (a known_hosts file of its own in its data folder).
import { readFileSync } from 'node:fs';
import { appendFile, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { HostKeyRejectedError, type HostKeyVerifier, type PresentedHostKey } from './host-key.js';
import {
  formatKnownHostsLine,
  knownHostsName,
  lookupHost,
  parseKnownHosts,
  parseKnownHostsDetailed,
} from './known-hosts.js';

export interface KnownKeyLocation {
  algorithm: string;
  fingerprint: string;
  file: string;
  line: number;
}

export type Verdict =
  | { kind: 'trusted' }
  | { kind: 'unknown' }
  | { kind: 'changed'; knownFingerprints: string[]; knownKeys: KnownKeyLocation[] }
  | { kind: 'revoked'; revokedIn: string[] };

export interface HostKeyTrustOptions {
  /** Read, never written. Default: ~/.ssh/known_hosts and ~/.ssh/known_hosts2. */
  userKnownHostsFiles?: string[];
  /** ConVirt's own known_hosts-format file; the only file trust() writes. */
  convirtStoreFile: string;
}

export interface VerifierOptions {
  /** Asked only for an unknown key, never for a changed one. */
  confirm?: (key: PresentedHostKey) => Promise<boolean> | boolean;
  /** A fingerprint the operator already confirmed (e.g. after a HostKeyUnknownError). */
  acceptFingerprint?: string;
  /**
   * The new key of a host whose key changed, accepted by the operator (after a
   * HostKeyChangedError): it replaces the old key when ConVirt's store is the only file that
   * holds one. Keys in the user's own known_hosts are the user's to remove (`ssh-keygen -R`).
   */
  replaceFingerprint?: string;
}

/** `host:port`, with brackets around IPv6 addresses. */
function endpoint(key: PresentedHostKey): string {
  return `${key.host.includes(':') ? `[${key.host}]` : key.host}:${key.port}`;
}

export class HostKeyUnknownError extends HostKeyRejectedError {
  constructor(key: PresentedHostKey, confirmedFingerprint?: string) {
    super(key, 'not known');
    this.name = 'HostKeyUnknownError';
    // The space before the final period keeps the fingerprint easy to select and copy.
    this.message =
      `The host key of ${endpoint(key)} is not known: ${key.algorithm} ${key.fingerprint} .` +
      (confirmedFingerprint === undefined
        ? ''
        : ` It is not the fingerprint that was confirmed (${confirmedFingerprint}).`) +
      ' Confirm this fingerprint to connect.';
  }
}

export class HostKeyChangedError extends HostKeyRejectedError {
  constructor(
    key: PresentedHostKey,
    readonly knownKeys: readonly KnownKeyLocation[],
    storeFile: string,
  ) {
    super(key, 'the host key has changed');
    this.name = 'HostKeyChangedError';
    const was = knownKeys.map((k) => `${k.fingerprint} (${k.algorithm})`).join(' or ');
    const where = [...new Set(knownKeys.map((k) => k.file))]
      .map((file) => {
        const lines = knownKeys.filter((k) => k.file === file).map((k) => k.line);
        return `${file} (line ${lines.join(', ')})`;
      })
      .join(' and ');
    const inUserFiles = knownKeys.some((k) => k.file !== storeFile);
    this.message =
      `WARNING: the host key of ${endpoint(key)} has CHANGED. ` +
      `It was ${was}, it is now ${key.fingerprint} (${key.algorithm}). ` +
      'This can mean someone is intercepting the connection. Nothing was sent. ' +
      `If the host was reinstalled, remove the old key from ${where}` +
      (inUserFiles
        ? ` (ssh-keygen -R '${knownHostsName(key.host, key.port)}' does it for ~/.ssh files)`
        : '') +
      ' and connect again.';
  }

  get knownFingerprints(): string[] {
    return this.knownKeys.map((k) => k.fingerprint);
  }
}

export class HostKeyRevokedError extends HostKeyRejectedError {
  constructor(
    key: PresentedHostKey,
    readonly revokedIn: readonly string[],
  ) {
    super(key, 'the key is revoked');
    this.name = 'HostKeyRevokedError';
    this.message =
      `The host key of ${endpoint(key)} (${key.algorithm} ${key.fingerprint}) is marked ` +
      `@revoked in ${revokedIn.join(' and ')}. ConVirt will not connect with it. Nothing was sent.`;
  }
}

/** The operator was asked and did not accept the fingerprint. */
export class HostKeyDeclinedError extends HostKeyRejectedError {
  constructor(key: PresentedHostKey) {
    super(key, 'the fingerprint was not confirmed');
    this.name = 'HostKeyDeclinedError';
  }
}

function normalizeFingerprint(fingerprint: string): string {
  const bare = fingerprint.trim().replace(/^SHA256:/i, '');
  return `SHA256:${bare.replace(/=+$/, '')}`;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export class HostKeyTrust {
  readonly userKnownHostsFiles: readonly string[];
  readonly convirtStoreFile: string;

  constructor(options: HostKeyTrustOptions) {
    const ssh = join(homedir(), '.ssh');
    this.userKnownHostsFiles = options.userKnownHostsFiles ?? [
      join(ssh, 'known_hosts'),
      join(ssh, 'known_hosts2'),
    ];
    this.convirtStoreFile = options.convirtStoreFile;
  }

  /** The files to consult, read fresh on every check (they are small and users edit them). */
  private readAll(): { file: string; text: string }[] {
    const out: { file: string; text: string }[] = [];
    for (const file of this.userKnownHostsFiles) {
      try {
        out.push({ file, text: readFileSync(file, 'utf8') });
      } catch {
        // As OpenSSH: a user file that cannot be read is skipped.
      }
    }
    try {
      out.push({ file: this.convirtStoreFile, text: readFileSync(this.convirtStoreFile, 'utf8') });
    } catch (err) {
      // ConVirt's own store must be readable once it exists, or its trust would be ignored.
      if (!isMissing(err)) throw err;
    }
    return out;
  }

  /**
   * Revoked anywhere beats trusted anywhere, which beats every other known key.
   *
   * 'changed' is stricter than OpenSSH: any known key for the host that does not match, of any
   * type, makes the key 'changed'. OpenSSH treats a key of a type it has no entry for as new
   * (and steers negotiation towards known types). Being strict means an attacker cannot turn a
   * CHANGED warning into a mere "unknown host" prompt by offering another key type; the cost is
   * a false alarm when a host only has a key of another type on record. preferredAlgorithms()
   * lets the connection ask for the known types first, as OpenSSH does, so that is rare.
   */
  check(key: PresentedHostKey): Verdict {
    const revokedIn: string[] = [];
    const known: KnownKeyLocation[] = [];
    let trusted = false;
    for (const { file, text } of this.readAll()) {
      const found = lookupHost(parseKnownHosts(text), key.host, key.port);
      if (found.revoked.some((blob) => blob.equals(key.blob))) revokedIn.push(file);
      for (const k of found.keys) {
        if (k.blob.equals(key.blob)) trusted = true;
        else known.push({ algorithm: k.algorithm, fingerprint: k.fingerprint, file, line: k.line });
      }
    }
    if (revokedIn.length > 0) return { kind: 'revoked', revokedIn };
    if (trusted) return { kind: 'trusted' };
    if (known.length > 0) {
      return {
        kind: 'changed',
        knownFingerprints: known.map((k) => k.fingerprint),
        knownKeys: known,
      };
    }
    return { kind: 'unknown' };
  }

  /** The key types on record for host:port, in file order, for the host key negotiation. */
  preferredAlgorithms(host: string, port: number): string[] {
    const algorithms = new Set<string>();
    for (const { text } of this.readAll()) {
      for (const k of lookupHost(parseKnownHosts(text), host, port).keys)
        algorithms.add(k.algorithm);
    }
    return [...algorithms];
  }

  /** Records the key in ConVirt's store (never in the user's ~/.ssh files). */
  async trust(key: PresentedHostKey): Promise<void> {
    const file = this.convirtStoreFile;
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    let existing = '';
    try {
      existing = await readFile(file, 'utf8');
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    const already = lookupHost(parseKnownHosts(existing), key.host, key.port).keys.some((k) =>
      k.blob.equals(key.blob),
    );
    if (!already) {
      const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
      const line = formatKnownHostsLine(key.host, key.port, key.algorithm, key.blob);
      await appendFile(file, `${separator}${line}\n`, { mode: 0o600 });
    }
    // The mode given to appendFile applies only when it creates the file.
    await chmod(file, 0o600);
  }

  /**
   * Removes every key ConVirt's store holds for host:port (e.g. after a reinstall); the user's
   * own files are left alone. Returns how many lines were removed.
   */
  async forget(host: string, port: number): Promise<number> {
    const file = this.convirtStoreFile;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (isMissing(err)) return 0;
      throw err;
    }
    const { entries } = parseKnownHostsDetailed(text);
    const name = knownHostsName(host, port);
    const drop = new Set(
      entries.filter((e) => e.marker === null && e.hosts.toLowerCase() === name).map((e) => e.line),
    );
    if (drop.size === 0) return 0;
    const kept = text.split('\n').filter((_, index) => !drop.has(index + 1));
    await writeFile(file, kept.join('\n'), { mode: 0o600 });
    await chmod(file, 0o600);
    return drop.size;
  }

  /** A verifier for SshConnection.connect that applies this trust store. */
  verifier(options: VerifierOptions = {}): HostKeyVerifier {
    return async (key) => {
      const verdict = this.check(key);
      switch (verdict.kind) {
        case 'trusted':
          return true;
        case 'revoked':
          throw new HostKeyRevokedError(key, verdict.revokedIn);
        case 'changed': {
          const { replaceFingerprint } = options;
          const replaceable =
            replaceFingerprint !== undefined &&
            normalizeFingerprint(replaceFingerprint) === key.fingerprint &&
            verdict.knownKeys.every((k) => k.file === this.convirtStoreFile);
          if (!replaceable)
            throw new HostKeyChangedError(key, verdict.knownKeys, this.convirtStoreFile);
          await this.forget(key.host, key.port);
          await this.trust(key);
          return true;
        }
        case 'unknown':
          break;
      }
      const { acceptFingerprint, confirm } = options;
      if (
        acceptFingerprint !== undefined &&
        normalizeFingerprint(acceptFingerprint) === key.fingerprint
      ) {
        await this.trust(key);
        return true;
      }
      if (confirm) {
        if (!(await confirm(key))) throw new HostKeyDeclinedError(key);
        await this.trust(key);
        return true;
      }
      throw new HostKeyUnknownError(
        key,
        acceptFingerprint === undefined ? undefined : normalizeFingerprint(acceptFingerprint),
      );
    };
  }
}
