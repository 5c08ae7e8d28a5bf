// The emulated Xen host's dom0 initramfs for one run: the cached compressed archive, then a small
// uncompressed cpio archive (newc) of this run's keys, which the kernel unpacks after it.
import { appendFileSync, copyFileSync, statSync } from 'node:fs';

/** A directory, or a file with its content; owned by root. */
export type CpioEntry = { path: string; mode: number } & ({ directory: true } | { data: Buffer });

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
export const NEWC_MAGIC = '070701';
export const NEWC_HEADER_BYTES = 110;
export const CPIO_TRAILER = 'TRAILER!!!';

/** Zero bytes that bring `length` to a multiple of 4 (newc's and the kernel's alignment). */
export function paddingTo4(length: number): number {
  return (4 - (length % 4)) % 4;
}

/** An uncompressed `newc` cpio archive, as `cpio -o -H newc --owner=0:0` writes it. */
export function newcArchive(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let length = 0;
  const push = (chunk: Buffer) => {
    parts.push(chunk);
    length += chunk.length;
  };
  const record = (ino: number, name: string, mode: number, data: Buffer) => {
    const nameBytes = Buffer.from(`${name}\0`, 'utf8');
    // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
    const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
    push(Buffer.from(NEWC_MAGIC + fields.map((f) => f.toString(16).padStart(8, '0')).join('')));
    push(nameBytes);
    push(Buffer.alloc(paddingTo4(length)));
    push(data);
    push(Buffer.alloc(paddingTo4(length)));
  };
  entries.forEach((entry, i) =>
    'directory' in entry
      ? record(i + 1, entry.path, S_IFDIR | entry.mode, Buffer.alloc(0))
      : record(i + 1, entry.path, S_IFREG | entry.mode, entry.data),
  );
  record(0, CPIO_TRAILER, 0, Buffer.alloc(0));
  return Buffer.concat(parts);
}

/**
 * Writes `base` (a compressed initramfs) followed by `overlay` (an uncompressed cpio archive) to
 * `out`. After a compressed archive, the kernel skips zero bytes and takes an uncompressed one
 * only at an offset that is a multiple of 4 (init/initramfs.c, unpack_to_rootfs); anywhere else
 * its `070701` reads as an unknown compression ("invalid magic at start of compressed
 * archive"). So the base is padded with zeros to that boundary, whatever its length.
 */
export function writeInitramfsWithOverlay(base: string, overlay: Buffer, out: string): void {
  copyFileSync(base, out);
  appendFileSync(out, Buffer.concat([Buffer.alloc(paddingTo4(statSync(out).size)), overlay]));
}
