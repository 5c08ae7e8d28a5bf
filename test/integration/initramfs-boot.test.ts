// A real kernel (the tiny VM's, under QEMU) reads the keys archive the test bed appends for the
// emulated Xen host's dom0, after gzip initramfs archives of all four lengths modulo 4. Its
// /init prints what it finds and powers off.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { mustRun, runLocal } from '../bed/process.js';
import { writeInitramfsWithOverlay } from '../bed/xen-host/initramfs.js';
import { dom0KeysOverlay } from '../bed/xen-host/xen-host.js';
import { gzipArchiveOfLength } from '../support/initramfs.js';
import { testbed } from '../support/testbed.js';

const bed = testbed();

const INIT = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc
/bin/busybox mount -t proc proc /proc
echo "KEY-BEGIN"
/bin/busybox cat /etc/ssh/ssh_host_ed25519_key.pub /root/.ssh/authorized_keys
echo "KEY-END"
/bin/busybox poweroff -f
`;

test('the appended keys reach a booted kernel, whatever the length of the archive before them', async (t) => {
  const dir = mkdtempSync(join(bed.runDir, 'initramfs-boot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  for (const key of [hostKey, clientKey]) {
    await mustRun('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  }
  const expected = [`${hostKey}.pub`, `${clientKey}.pub`].map((f) => readFileSync(f, 'utf8'));
  const overlay = dom0KeysOverlay(hostKey, `${clientKey}.pub`);
  const entries = [
    { path: 'bin', mode: 0o755, directory: true as const },
    { path: 'bin/busybox', mode: 0o755, data: readFileSync('/bin/busybox') },
    { path: 'init', mode: 0o755, data: Buffer.from(INIT) },
  ];
  for (const residue of [0, 1, 2, 3]) {
    const base = join(dir, `base-${residue}.gz`);
    const initrd = join(dir, `initrd-${residue}.gz`);
    const consoleLog = join(dir, `console-${residue}.log`);
    writeFileSync(base, gzipArchiveOfLength(residue, entries));
    writeInitramfsWithOverlay(base, overlay, initrd);
    const qemu = await runLocal(
      'timeout',
      [
        '180',
        'qemu-system-x86_64',
        ...['-m', '256', '-display', 'none', '-monitor', 'none', '-no-reboot'],
        ...['-serial', `file:${consoleLog}`],
        ...['-kernel', bed.tinyVm.kernel, '-initrd', initrd],
        ...['-append', 'console=ttyS0 rdinit=/init panic=-1 loglevel=3'],
      ],
      {},
    );
    const console = readFileSync(consoleLog, 'utf8');
    assert.equal(qemu.code, 0, `residue ${residue}: QEMU ${qemu.stderr}\n${console}`);
    const printed = /KEY-BEGIN\r?\n([\s\S]*?)KEY-END/.exec(console)?.[1]?.replace(/\r/g, '');
    assert.equal(printed, expected.join(''), `residue ${residue}:\n${console}`);
  }
});
