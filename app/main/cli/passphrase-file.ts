// The master passphrase of the secret store from a file, for scripts and jobs without a terminal.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { UsageError } from './io.js';

/**
 * The first line of a file only its owner can read (as ssh treats private keys): a passphrase
 * others can read is no secret.
 */
export function readPassphraseFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw new UsageError(`Cannot read the passphrase file ${path}.`);
  }
  try {
    // Checked on the open file itself, so what is read is what was checked.
    const info = fstatSync(fd);
    if (!info.isFile()) throw new UsageError(`The passphrase file ${path} is not a file.`);
    if ((info.mode & 0o077) !== 0 || info.uid !== process.getuid?.()) {
      throw new UsageError(
        `The passphrase file ${path} must be yours and readable by you alone (chmod 600); it was not read.`,
      );
    }
    const passphrase = readFileSync(fd, 'utf8').split(/\r?\n/)[0] ?? '';
    if (!passphrase) throw new UsageError(`The passphrase file ${path} is empty.`);
    return passphrase;
  } finally {
    closeSync(fd);
  }
}
