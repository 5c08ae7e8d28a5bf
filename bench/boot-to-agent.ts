// npm run bench:boot — time from `virsh start` to the first guest-ping answer of the tiny VM,
// through the project's own SSH and virsh code against the test bed. Median of N boots.
import { parseArgs } from 'node:util';
import { waitForGuestAgent } from '../app/main/guest-agent/wait-for-agent.js';
import { KvmDriver } from '../app/main/hypervisors/kvm/kvm-driver.js';
import { startTestbed } from '../test/bed/testbed.js';
import { connectToTestbed } from '../test/support/testbed.js';
import { defineTinyVm } from '../test/support/tiny-vm.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

const bed = await startTestbed(log);
const ssh = await connectToTestbed(bed.info);
const virsh = new KvmDriver(ssh);
const name = `${bed.info.prefix}boot`;
const seconds: number[] = [];
try {
  await defineTinyVm(ssh, bed.info, name);
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await virsh.start(name);
    await waitForGuestAgent(virsh, name, 120_000, 100);
    const s = (performance.now() - started) / 1000;
    seconds.push(s);
    log(`boot ${i + 1}/${runs}: ${s.toFixed(2)} s`);
    await virsh.destroy(name);
  }
} finally {
  ssh.close();
  await bed.stop();
}
const sorted = [...seconds].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)]!;
console.log(
  JSON.stringify({
    benchmark: 'virsh start to first guest-ping',
    runs: seconds.map((s) => Number(s.toFixed(2))),
    medianSeconds: Number(median.toFixed(2)),
  }),
);
