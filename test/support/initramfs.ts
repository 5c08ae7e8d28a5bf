// Compressed initramfs archives of a chosen length modulo 4, to check that what the test bed
// appends to the cached one is found whatever that length is.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { newcArchive, type CpioEntry } from '../bed/xen-host/initramfs.js';

/** Bytes that do not compress, so each extra one lengthens the gzip by one. */
function incompressible(length: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < length; i++) {
    out.push(createHash('sha256').update(String(i)).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

/** A gzip cpio archive of `entries` and a filler file, `residue` bytes past a multiple of 4. */
export function gzipArchiveOfLength(residue: number, entries: readonly CpioEntry[]): Buffer {
  for (let size = 1000; ; size++) {
    const gz = gzipSync(
      newcArchive([...entries, { path: 'filler', mode: 0o644, data: incompressible(size) }]),
    );
    if (gz.length % 4 === residue) return gz;
  }
}
