// The emulated Xen host's per-run keys travel as an uncompressed cpio archive after the cached
// gzip initramfs. Whatever that gzip's length, the kernel must find them: checked here with a
// reader that follows the kernel's own rules (init/initramfs.c), over base archives of all four
// lengths modulo 4, and with the boot-failure lines that stop the test bed at once.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import {
  CPIO_TRAILER,
  NEWC_HEADER_BYTES,
  NEWC_MAGIC,
  newcArchive,
  paddingTo4,
  writeInitramfsWithOverlay,
  type CpioEntry,
} from '../../bed/xen-host/initramfs.js';
import { dom0BootFailure } from '../../bed/xen-host/xen-host.js';
import { gzipArchiveOfLength } from '../../support/initramfs.js';

interface Unpacked {
  mode: number;
  data: Buffer;
}

/** Unpacks the newc archives of an uncompressed stream (zero padding between them) into `files`. */
function unpackCpio(stream: Buffer, files: Map<string, Unpacked>): void {
  let at = 0;
  while (at < stream.length) {
    if (stream[at] === 0) {
      at++;
      continue;
    }
    assert.equal(at % 4, 0, `cpio header at unaligned offset ${at}`);
    assert.equal(stream.toString('latin1', at, at + 6), NEWC_MAGIC, `no cpio magic at ${at}`);
    const field = (i: number) =>
      parseInt(stream.toString('latin1', at + 6 + i * 8, at + 14 + i * 8), 16);
    const [mode, size, nameSize] = [field(1), field(6), field(11)];
    const nameAt = at + NEWC_HEADER_BYTES;
    const name = stream.toString('utf8', nameAt, nameAt + nameSize - 1);
    const dataAt = nameAt + nameSize + paddingTo4(nameAt + nameSize);
    at = dataAt + size + paddingTo4(dataAt + size);
    if (name !== CPIO_TRAILER)
      files.set(name, { mode, data: stream.subarray(dataAt, dataAt + size) });
  }
}

/** One gzip member at the start of `buf` (no optional header fields): its content and length. */
function gunzipMember(buf: Buffer): { content: Buffer; length: number } {
  assert.equal(buf[3], 0, 'gzip header flags are not expected here');
  const { buffer, engine } = inflateRawSync(buf.subarray(10), { info: true }) as unknown as {
    buffer: Buffer;
    engine: { bytesWritten: number };
  };
  return { content: buffer, length: 10 + engine.bytesWritten + 8 };
}

/**
 * The kernel's unpack_to_rootfs: zero bytes are skipped; an uncompressed archive (`0` of
 * `070701`) counts only at an offset that is a multiple of 4; anything else must be a
 * compressed archive, here gzip, or the unpacking fails as the kernel says it.
 */
function unpackLikeTheKernel(initramfs: Buffer): Map<string, Unpacked> {
  const files = new Map<string, Unpacked>();
  let at = 0;
  while (at < initramfs.length) {
    const byte = initramfs[at];
    if (byte === 0) {
      at++;
    } else if (byte === 0x30 && at % 4 === 0) {
      const end = initramfs.indexOf(CPIO_TRAILER, at) + CPIO_TRAILER.length + 1;
      const stop = end + paddingTo4(end);
      unpackCpio(initramfs.subarray(at, stop), files);
      at = stop;
    } else if (byte === 0x1f && initramfs[at + 1] === 0x8b) {
      const member = gunzipMember(initramfs.subarray(at));
      unpackCpio(member.content, files);
      at += member.length;
    } else {
      throw new Error('Initramfs unpacking failed: invalid magic at start of compressed archive');
    }
  }
  return files;
}

/** A gzip initramfs like the cached one, whose length is `residue` modulo 4. */
const baseArchive = (residue: number) =>
  gzipArchiveOfLength(residue, [{ path: 'init', mode: 0o755, data: Buffer.from('#!/bin/sh\n') }]);

const keys: CpioEntry[] = [
  { path: 'etc', mode: 0o755, directory: true },
  { path: 'etc/ssh', mode: 0o755, directory: true },
  { path: 'etc/ssh/ssh_host_ed25519_key', mode: 0o600, data: Buffer.from('PRIVATE\n') },
  { path: 'root/.ssh/authorized_keys', mode: 0o600, data: Buffer.from('ssh-ed25519 AAAA x\n') },
];

test('the appended keys are found whatever the length of the cached archive', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'initramfs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const overlay = newcArchive(keys);
  assert.equal(overlay.length % 4, 0);
  for (const residue of [0, 1, 2, 3]) {
    const base = join(dir, `base-${residue}.gz`);
    const out = join(dir, `initrd-${residue}.gz`);
    const baseBytes = baseArchive(residue);
    writeFileSync(base, baseBytes);
    writeInitramfsWithOverlay(base, overlay, out);
    const built = readFileSync(out);

    assert.deepEqual(built.subarray(0, baseBytes.length), baseBytes, `residue ${residue}`);
    const overlayAt = built.length - overlay.length;
    assert.equal(overlayAt % 4, 0, `residue ${residue}: overlay at ${overlayAt}`);
    assert.ok(built.subarray(baseBytes.length, overlayAt).every((b) => b === 0));

    const files = unpackLikeTheKernel(built);
    assert.equal(files.get('init')?.data.toString(), '#!/bin/sh\n', `residue ${residue}`);
    assert.equal(files.get('etc/ssh/ssh_host_ed25519_key')?.data.toString(), 'PRIVATE\n');
    assert.equal(files.get('etc/ssh/ssh_host_ed25519_key')?.mode, 0o100600);
    assert.equal(files.get('etc/ssh')?.mode, 0o040755);
    assert.equal(files.get('root/.ssh/authorized_keys')?.data.toString(), 'ssh-ed25519 AAAA x\n');
  }
});

test('appended right after the gzip, the keys are lost unless its length is a multiple of 4', () => {
  // What the test bed did before: the reader above then fails as the kernel did.
  const overlay = newcArchive(keys);
  const unpadded = (residue: number) => Buffer.concat([baseArchive(residue), overlay]);
  assert.ok(unpackLikeTheKernel(unpadded(0)).has('etc/ssh/ssh_host_ed25519_key'));
  for (const residue of [1, 2, 3]) {
    assert.throws(() => unpackLikeTheKernel(unpadded(residue)), /invalid magic/);
  }
});

test('GNU cpio reads the archive: names, modes, contents', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'newc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const archive = newcArchive([
    { path: 'a', mode: 0o750, directory: true },
    { path: 'a/b c', mode: 0o640, data: Buffer.from('xyz') },
  ]);
  const cpio = spawnSync('cpio', ['-i', '-d', '--quiet', '--no-absolute-filenames'], {
    cwd: dir,
    input: archive,
  });
  assert.equal(cpio.status, 0, cpio.stderr.toString());
  assert.equal(statSync(join(dir, 'a')).mode, 0o040750);
  assert.equal(statSync(join(dir, 'a', 'b c')).mode, 0o100640);
  assert.equal(readFileSync(join(dir, 'a', 'b c'), 'utf8'), 'xyz');
});

test("dom0's boot failures are recognised on its serial console", () => {
  const console = [
    '(XEN) *** LOADING DOMAIN 0 ***',
    '[    3.563403] Trying to unpack rootfs image as initramfs...',
    '[    4.328394] Initramfs unpacking failed: invalid magic at start of compressed archive',
    'xen-dom0: no host key: sshd not started',
  ].join('\n');
  assert.equal(
    dom0BootFailure(console),
    'Initramfs unpacking failed: invalid magic at start of compressed archive',
  );
  assert.equal(
    dom0BootFailure('xen-dom0: insmod loop failed\nxen-dom0: no host key: sshd not started\n'),
    'xen-dom0: no host key: sshd not started',
  );
  assert.equal(
    dom0BootFailure('[ 1.0] Kernel panic - not syncing: VFS: Unable to mount root fs\n'),
    'Kernel panic - not syncing: VFS: Unable to mount root fs',
  );
  assert.equal(dom0BootFailure('xen-dom0: insmod loop failed\nxen-dom0: READY\n'), undefined);
});
