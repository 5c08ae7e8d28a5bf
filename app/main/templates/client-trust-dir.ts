// The private trust store a local download with a client certificate needs (curl takes the key
// as a file), and the removal of those left behind by ConVirt processes that crashed mid-way.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { UrlTemplateRecords } from './template-records.js';

/**
 * A private trust store (mode 0700, removed after the download) holding the local CA bundle
 * and the client certificate with its key from the secret store: curl needs the key as a file.
 */
export function clientTrustDir(
  records: UrlTemplateRecords,
  localTrustDir: string,
  certificate: string,
): string {
  const cert = records.certificates.get(certificate);
  const keyPem = records.certificates.clientKey(certificate);
  if (cert?.kind !== 'client' || keyPem === undefined) {
    throw new Error(`No key is kept for the client certificate ${certificate}: upload it again.`);
  }
  // Inside ConVirt's own data folder (not the shared temporary folder), where a crash mid-way
  // would leave it.
  mkdirSync(localTrustDir, { recursive: true, mode: 0o700 });
  removeOrphanedClientDirs(localTrustDir);
  const dir = mkdtempSync(join(localTrustDir, `client-${process.pid}-`));
  const bundle = join(localTrustDir, 'ca-bundle.pem');
  if (existsSync(bundle)) copyFileSync(bundle, join(dir, 'ca-bundle.pem'));
  mkdirSync(join(dir, 'client'), { mode: 0o700 });
  writeFileSync(join(dir, 'client', `${certificate}.pem`), cert.pem, { mode: 0o600 });
  writeFileSync(join(dir, 'client', `${certificate}.key`), keyPem, { mode: 0o600 });
  return dir;
}

/**
 * Removes the private client-key folders of ConVirt processes that are gone (a crash mid-way):
 * each is named after the process that made it, which removes it itself when it can.
 */
function removeOrphanedClientDirs(trustDir: string): void {
  for (const name of readdirSync(trustDir)) {
    const pid = /^client-(\d+)-/.exec(name)?.[1];
    if (pid && !processAlive(Number(pid))) {
      rmSync(join(trustDir, name), { recursive: true, force: true });
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, but another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
