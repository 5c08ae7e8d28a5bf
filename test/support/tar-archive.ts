// Tar archives written member by member, for tests that need members no tar tool would write
// (`../` paths, devices outside /dev): ustar headers with their checksums, as GNU tar reads them.
import { gzipSync } from 'node:zlib';

export interface TarEntry {
  path: string;
  /** '0' file (default), '2' symlink, '3' char device, '5' directory... */
  type?: string;
  data?: string;
  linkTarget?: string;
  uid?: number;
  gid?: number;
}

const BLOCK = 512;

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

function header(entry: TarEntry, size: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  const type = entry.type ?? '0';
  block.write(entry.path, 0, 100);
  block.write(octal(type === '5' ? 0o755 : 0o644, 8), 100);
  block.write(octal(entry.uid ?? 0, 8), 108);
  block.write(octal(entry.gid ?? 0, 8), 116);
  block.write(octal(size, 12), 124);
  block.write(octal(1700000000, 12), 136);
  block.write(type, 156);
  block.write(entry.linkTarget ?? '', 157, 100);
  block.write('ustar\x0000', 257);
  // The checksum is computed with its own field as spaces.
  block.write('        ', 148);
  const sum = block.reduce((s, b) => s + b, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

/** A plain tar archive of `entries`, in order. */
export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    parts.push(
      header(entry, data.length),
      data,
      Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK),
    );
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** The same, gzip-compressed (an appliance's `tar_gz`). */
export function tarGzArchive(entries: readonly TarEntry[]): Buffer {
  return gzipSync(tarArchive(entries));
}
