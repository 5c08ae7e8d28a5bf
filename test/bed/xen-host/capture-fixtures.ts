// Captures what the xl toolstack prints on the emulated Xen host into test/fixtures/xen/, for
// the unit tests: boots the host, makes a running guest, a paused guest with a long name and a
// config file without a domain, runs the commands, writes the files, stops the host.
// Usage: npx tsx test/bed/xen-host/capture-fixtures.ts   (as root; one Xen host at a time)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  XL_HOST_FACTS_SCRIPT,
  XL_POLL_SCRIPT,
} from '../../../app/main/hypervisors/xen/xl-driver.js';
import { connectToXenHost, writePvGuest } from '../../support/xen-host.js';
import { runPrefix } from '../resources.js';
import { startXenHost, stopXenHost } from './xen-host.js';

const fixtures = join(import.meta.dirname, '../../fixtures/xen');
const log = (line: string) => process.stderr.write(`[capture] ${line}\n`);
const dir = join(tmpdir(), `${runPrefix()}capture`);
mkdirSync(dir, { recursive: true });
const xen = await startXenHost(join(dir, 'xen-host'), log);
try {
  const ssh = await connectToXenHost(xen);
  try {
    await writePvGuest(ssh, xen, 'g1', { memoryMiB: 128, maxMemoryMiB: 192, vcpus: 2 });
    const long = 'tiny-pv-guest-with-a-long-name';
    await writePvGuest(ssh, xen, long, { ip: '10.99.0.3/24' });
    await writePvGuest(ssh, xen, 'stopped', { vcpus: 1 });
    await ssh.run(['xl', 'create', '-q', '/etc/xen/g1.cfg']);
    // Until g1 has booted and its kernel has read its disk (xentop's VBD counters). Creating the
    // second guest while the first booted failed twice here ("unable to XZ decompress kernel"),
    // under Xen's lazy FPU switching (docs/testing.md).
    for (let i = 0; i < 120; i++) {
      const boot = await ssh.exec(['cat', '/var/log/xen/console/guest-g1.log']);
      if (boot.stdout.includes('CONVIRT-XEN-GUEST READY')) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    await ssh.run(['xl', 'create', '-q', '-p', `/etc/xen/${long}.cfg`]);
    const captures: Array<[string, string[]]> = [
      ['xl-list-l-4.17-emulated.txt', ['xl', 'list', '-l']],
      ['xl-list-4.17-emulated.txt', ['xl', 'list']],
      ['xl-info-4.17-emulated.txt', ['xl', 'info']],
      ['xentop-4.17-emulated-b-i1.txt', ['xentop', '-b', '-i', '1']],
      ['xentop-4.17-emulated-b-i1-f.txt', ['xentop', '-b', '-i', '1', '-f']],
      ['xl-create-n-4.17-emulated.txt', ['xl', 'create', '-n', '-q', '/etc/xen/g1.cfg']],
      ['xl-poll-4.17-emulated.txt', ['sh', '-c', XL_POLL_SCRIPT, 'sh', '/etc/xen']],
      ['xl-host-facts-4.17-emulated.txt', ['sh', '-c', XL_HOST_FACTS_SCRIPT, 'sh', xen.imagesDir]],
    ];
    for (const [file, argv] of captures) {
      writeFileSync(join(fixtures, file), await ssh.run(argv));
      log(`${file}: ${argv.join(' ').slice(0, 60)}`);
    }
  } finally {
    ssh.close();
  }
} finally {
  stopXenHost(xen.pid);
  rmSync(dir, { recursive: true, force: true });
}
