// npm run bench:xen-guest-boot [-- --boots 8 --lazy-fpu]: boots the emulated Xen host, then
// creates a tiny PV guest N times, one after another. While each guest boots it probes dom0
// back to back: a new SSH connection (host key verified) and one `cat` of the guest's console
// log over it, each probe bounded by 30 s. It counts the probes that fail and prints each
// guest's boot time (`xl create` to its boot line). `--lazy-fpu` boots Xen with its lazy FPU
// switching (`spec-ctrl=no-eager-fpu`), as the test bed did before 2026-12-06: the baseline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { XlDriver } from '../app/main/hypervisors/xen/xl-driver.js';
import type { SshConnection } from '../app/main/ssh/ssh-connection.js';
import { FIRST_XEN_HOST, startXenHost, stopXenHost } from '../test/bed/xen-host/xen-host.js';
import { GUEST_READY, connectToXenHost, writeDisklessPvGuest } from '../test/support/xen-host.js';
import { median } from './simulated-fleet.js';

const { values } = parseArgs({
  options: { boots: { type: 'string', default: '8' }, 'lazy-fpu': { type: 'boolean' } },
});
const boots = Number(values.boots);
const xenOptions = values['lazy-fpu'] ? ['spec-ctrl=no-eager-fpu'] : [];
const BOOT_TIMEOUT_MS = 300_000;
const PROBE_TIMEOUT_MS = 30_000;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** One probe: connect, read the guest's console log, close; true once the guest has booted. */
async function probe(xen: Awaited<ReturnType<typeof startXenHost>>, consoleLog: string) {
  const abort = AbortSignal.timeout(PROBE_TIMEOUT_MS);
  let ssh: SshConnection | undefined;
  try {
    ssh = await connectToXenHost(xen);
    return GUEST_READY.test(await ssh.run(['cat', consoleLog], { signal: abort }));
  } finally {
    ssh?.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'convirt-xen-guest-boot-'));
let xenPid: number | undefined;
let dom0: SshConnection | undefined;
const bootSeconds: Array<number | null> = [];
let probes = 0;
const failures: string[] = [];
let fpuLine: string | undefined;
try {
  const xen = await startXenHost(dir, log, FIRST_XEN_HOST, xenOptions);
  xenPid = xen.pid;
  dom0 = await connectToXenHost(xen);
  const xl = new XlDriver(dom0);
  // What Xen says it does, rather than what was asked.
  fpuLine = (await dom0.run(['sh', '-c', 'xl dmesg | grep "Support for PV VMs"'])).trim();
  log(`Xen: ${fpuLine}`);
  for (let i = 0; i < boots; i++) {
    const name = `bench-guest-${i}`;
    const consoleLog = `/var/log/xen/console/guest-${name}.log`;
    await writeDisklessPvGuest(dom0, xen, name, { memoryMiB: 96, maxMemoryMiB: 96 });
    const started = Date.now();
    let booted = false;
    try {
      await xl.start(name);
      while (!booted && Date.now() - started < BOOT_TIMEOUT_MS) {
        probes++;
        booted = await probe(xen, consoleLog).catch((err: Error) => {
          failures.push(`guest ${i}: ${err.message}`);
          return false;
        });
      }
    } catch (err) {
      failures.push(`guest ${i}: xl create: ${(err as Error).message}`);
    }
    bootSeconds.push(booted ? (Date.now() - started) / 1000 : null);
    await xl.destroy(name).catch(() => undefined);
    await dom0.run(['rm', '-f', xl.configPath(name)]);
    log(
      `guest ${i}: ${booted ? `booted in ${bootSeconds.at(-1)!.toFixed(1)} s` : 'did not boot'}; ${failures.length} of ${probes} probes failed so far`,
    );
  }
} finally {
  dom0?.close();
  if (xenPid !== undefined) stopXenHost(xenPid);
  rmSync(dir, { recursive: true, force: true });
}
const booted = bootSeconds.filter((s): s is number => s !== null);
process.stdout.write(
  JSON.stringify(
    {
      fpuSwitching: /EAGER_FPU/.test(fpuLine ?? '') ? 'eager' : 'lazy',
      xen: fpuLine,
      boots,
      booted: booted.length,
      medianBootSeconds: booted.length ? Number(median(booted).toFixed(1)) : null,
      bootSeconds: bootSeconds.map((s) => (s === null ? null : Number(s.toFixed(1)))),
      probes,
      failedProbes: failures.length,
      failures,
    },
    null,
    2,
  ) + '\n',
);
