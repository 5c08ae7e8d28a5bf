// npm run bench:xen-guest-boot [-- --boots 8] [-- --lazy-fpu]: boots the emulated Xen host, then
// creates a tiny PV guest N times, one after another. While each guest boots it opens new SSH
// connections to dom0 back to back (host key verified, one `cat` of the guest's console log
// each), and counts those that fail. Prints each guest's boot time (`xl create` to its boot
// line) and the handshakes that succeeded and failed. `--lazy-fpu` boots Xen with its lazy FPU
// switching (`spec-ctrl=no-eager-fpu`), as the test bed did before 2026-12-06: the baseline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { XlDriver } from '../app/main/hypervisors/xen/xl-driver.js';
import { FIRST_XEN_HOST, startXenHost, stopXenHost } from '../test/bed/xen-host/xen-host.js';
import { GUEST_READY, connectToXenHost, writeDisklessPvGuest } from '../test/support/xen-host.js';

const { values } = parseArgs({
  options: { boots: { type: 'string', default: '8' }, 'lazy-fpu': { type: 'boolean' } },
});
const boots = Number(values.boots);
const xenOptions = values['lazy-fpu'] ? ['spec-ctrl=no-eager-fpu'] : [];
const BOOT_TIMEOUT_MS = 300_000;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

const dir = mkdtempSync(join(tmpdir(), 'convirt-xen-guest-boot-'));
const xen = await startXenHost(dir, log, FIRST_XEN_HOST, xenOptions);
const dom0 = await connectToXenHost(xen);
const xl = new XlDriver(dom0);
const fpu = (await dom0.run(['sh', '-c', 'xl dmesg | grep "Support for PV VMs"'])).trim();
log(`Xen: ${fpu}`);

const bootSeconds: Array<number | null> = [];
let handshakes = 0;
const failures: string[] = [];
try {
  for (let i = 0; i < boots; i++) {
    const name = `bench-guest-${i}`;
    const consoleLog = `/var/log/xen/console/guest-${name}.log`;
    await writeDisklessPvGuest(dom0, xen, name, { memoryMiB: 96, maxMemoryMiB: 96 });
    const started = Date.now();
    let booted = false;
    try {
      await xl.start(name);
      while (!booted && Date.now() - started < BOOT_TIMEOUT_MS) {
        handshakes++;
        try {
          const probe = await connectToXenHost(xen);
          try {
            booted = GUEST_READY.test(await probe.run(['cat', consoleLog]));
          } finally {
            probe.close();
          }
        } catch (err) {
          failures.push(`guest ${i}: ${(err as Error).message}`);
        }
      }
    } catch (err) {
      failures.push(`guest ${i}: xl create: ${(err as Error).message}`);
    }
    bootSeconds.push(booted ? (Date.now() - started) / 1000 : null);
    await xl.destroy(name).catch(() => undefined);
    await dom0.run(['rm', '-f', xl.configPath(name)]);
    log(
      `guest ${i}: ${booted ? `booted in ${bootSeconds.at(-1)!.toFixed(1)} s` : 'did not boot'}; ${failures.length} of ${handshakes} handshakes failed so far`,
    );
  }
} finally {
  dom0.close();
  stopXenHost(xen.pid);
  rmSync(dir, { recursive: true, force: true });
}
const sorted = bootSeconds.filter((s): s is number => s !== null).sort((a, b) => a - b);
process.stdout.write(
  JSON.stringify(
    {
      fpuSwitching: values['lazy-fpu'] ? 'lazy' : 'eager',
      xen: fpu,
      boots,
      booted: sorted.length,
      medianBootSeconds: sorted.length ? sorted[Math.floor(sorted.length / 2)] : null,
      bootSeconds: bootSeconds.map((s) => (s === null ? null : Number(s.toFixed(1)))),
      handshakes,
      failedHandshakes: failures.length,
      failures,
    },
    null,
    2,
  ) + '\n',
);
