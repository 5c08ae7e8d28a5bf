// What a data folder holds, read the way a secrets check must: every file at any depth (the
// inventory, its WAL, the vault, the performance history...), folders skipped.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The files (relative paths) of `dir` whose bytes contain any of `secrets`. */
export function filesHolding(dir: string, ...secrets: string[]): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => {
      const bytes = readFileSync(file);
      return secrets.some((secret) => bytes.includes(secret));
    })
    .map((file) => relative(dir, file));
}
