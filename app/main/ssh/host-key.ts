import { createHash } from 'node:crypto';

/** The fingerprint of a host key blob, as OpenSSH prints it (`SHA256:` + unpadded base64). */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The algorithm name at the start of an SSH public key blob (e.g. `ssh-ed25519`). */
export function keyAlgorithm(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

export interface PresentedHostKey {
  host: string;
  port: number;
  algorithm: string;
  fingerprint: string;
  blob: Buffer;
}

/**
 * Decides whether a presented host key is trusted. Called before any credential is sent;
 * returning false (or throwing) ends the connection.
 */
export type HostKeyVerifier = (key: PresentedHostKey) => Promise<boolean> | boolean;

export class HostKeyRejectedError extends Error {
  constructor(
    readonly key: PresentedHostKey,
    reason: string,
  ) {
    super(
      `Host key of ${key.host}:${key.port} refused (${key.algorithm} ${key.fingerprint}): ${reason}`,
    );
    this.name = 'HostKeyRejectedError';
  }
}

/** Trust exactly one fingerprint, e.g. one the operator confirmed. */
export function pinnedHostKey(fingerprint: string): HostKeyVerifier {
  return (key) => key.fingerprint === fingerprint;
}
