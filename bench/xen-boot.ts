// npm run bench:xen-boot [-- --runs 3]: time from QEMU's start to the emulated Xen host's first
// `xl list` answered over SSH (host key verified), booted and stopped N times one after another;
// the median and every run, with the machine's load average at each start.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startXenHost, stopXenHost } from '../test/bed/xen-host/xen-host.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

const seconds: number[] = [];
const loads: number[] = [];
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-xen-boot-'));
  loads.push(loadavg()[0]!);
  const xen = await startXenHost(dir, log);
  try {
    seconds.push(xen.secondsToFirstXlList);
  } finally {
    stopXenHost(xen.pid);
    rmSync(dir, { recursive: true, force: true });
  }
}
const sorted = [...seconds].sort((a, b) => a - b);
process.stdout.write(
  JSON.stringify(
    {
      runs,
      medianSecondsToFirstXlList: Number(sorted[Math.floor(runs / 2)]!.toFixed(1)),
      secondsToFirstXlList: seconds.map((s) => Number(s.toFixed(1))),
      loadAverageAtStart: loads.map((l) => Number(l.toFixed(2))),
    },
    null,
    2,
  ) + '\n',
);
