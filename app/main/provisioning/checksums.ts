// sha256 of local image files, remembered by path, size and modification time so a multi-GB
// base image is hashed once, not on every provisioning.
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';

interface Entry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

export class ChecksumCache {
  private readonly entries: Record<string, Entry>;

  /**
   * `file`: where the cache is kept between runs (in cache_dir, made at the first write); none
   * keeps it in memory.
   */
  constructor(private readonly file?: string) {
    this.entries =
      file && existsSync(file)
        ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Entry>)
        : {};
  }

  async sha256(path: string): Promise<string> {
    const { size, mtimeMs } = statSync(path);
    const known = this.entries[path];
    if (known && known.size === size && known.mtimeMs === mtimeMs) return known.sha256;
    const sha256 = await hashFile(path);
    this.entries[path] = { size, mtimeMs, sha256 };
    if (this.file) {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(this.file, JSON.stringify(this.entries), { mode: 0o600 });
    }
    return sha256;
  }
}

export async function hashFile(path: string): Promise<string> {
  return (await hashFileWith(path, ['sha256'])).sha256!;
}

/** Several digests of a file (lower-case hex, by algorithm name) from one read of it. */
export async function hashFileWith(
  path: string,
  algorithms: readonly string[],
): Promise<Record<string, string>> {
  const hashes = [...new Set(algorithms)].map((a) => [a, createHash(a)] as const);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }))
    for (const [, hash] of hashes) hash.update(chunk as Buffer);
  return Object.fromEntries(hashes.map(([a, hash]) => [a, hash.digest('hex')]));
}
