// npm run bench:xen-boot [-- --runs 3] [-- --hosts 2]: time from QEMU's start to the emulated
// Xen host's first `xl list` answered over SSH (host key verified), booted and stopped N times
// one after another; the median and every run, with the machine's load average at each start.
// With --hosts 2, two hosts boot at once each run (the test bed's Xen migration pair): each
// one's time and QEMU's resident memory.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  FIRST_XEN_HOST,
  SECOND_XEN_HOST,
  startXenHost,
  stopXenHost,
  type XenHostInfo,
} from '../test/bed/xen-host/xen-host.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, hosts: { type: 'string', default: '1' } },
});
const runs = Number(values.runs);
const roles = values.hosts === '2' ? [FIRST_XEN_HOST, SECOND_XEN_HOST] : [FIRST_XEN_HOST];
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

const seconds: number[][] = [];
const rss: Array<Array<number | null>> = [];
const loads: number[] = [];
for (let i = 0; i < runs; i++) {
  const dirs = roles.map(() => mkdtempSync(join(tmpdir(), 'convirt-xen-boot-')));
  loads.push(loadavg()[0]!);
  const booted = await Promise.allSettled(
    roles.map((role, j) => startXenHost(dirs[j]!, log, role)),
  );
  const hosts = booted.flatMap((b) => (b.status === 'fulfilled' ? [b.value] : []));
  for (const host of hosts) stopXenHost(host.pid);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  const failed = booted.find((b): b is PromiseRejectedResult => b.status === 'rejected');
  if (failed) throw failed.reason;
  seconds.push(hosts.map((h: XenHostInfo) => Number(h.secondsToFirstXlList.toFixed(1))));
  rss.push(hosts.map((h) => h.qemuRssMiB));
}
const slowest = seconds.map((run) => Math.max(...run)).sort((a, b) => a - b);
process.stdout.write(
  JSON.stringify(
    {
      runs,
      hostsAtOnce: roles.length,
      medianSecondsToFirstXlList: slowest[Math.floor(runs / 2)],
      secondsToFirstXlList: seconds,
      qemuRssMiB: rss,
      loadAverageAtStart: loads.map((l) => Number(l.toFixed(2))),
    },
    null,
    2,
  ) + '\n',
);
