// npm run bench:migrate [-- --runs 3 --machine-bashrc]: the tiny VM moved from the test bed's first KVM host to
// the second, per mode, through ConVirt (MigrationService in process: checks, relayed control
// connection, progress polling) and, as the baseline in the same run on the same hosts, plain
// `virsh migrate` as an operator would run it by hand (qemu+ssh to the second host). Total time
// (the migration alone, from the call to the VM running on the target) and downtime (libvirt's
// `domjobinfo --completed` on the target); medians and ConVirt's ratio to the baseline.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FleetService } from '../app/main/fleet/fleet-service.js';
import { KvmDriver } from '../app/main/hypervisors/kvm/kvm-driver.js';
import { Inventory } from '../app/main/inventory/index.js';
import { MigrationService } from '../app/main/migration/migration-service.js';
import { HostKeyTrust } from '../app/main/ssh/host-key-trust.js';
import { waitForGuestAgent } from '../app/main/guest-agent/wait-for-agent.js';
import { mustRun } from '../test/bed/process.js';
import type { SecondKvmHostInfo } from '../test/bed/second-kvm-host.js';
import { startTestbed } from '../test/bed/testbed.js';
import { connectToSecondKvmHost, connectToTestbed } from '../test/support/testbed.js';
import { defineTinyVm } from '../test/support/tiny-vm.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    // The test bed masks root's ~/.bashrc for its sshd (test/bed/sshd.ts); with this, the first
    // host's login shell runs the test machine's `pyenv init` (0.85 s a command), to show what a
    // slow login shell costs a migration.
    'machine-bashrc': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

type Storage = 'shared' | 'copy';
interface Sample {
  seconds: number;
  downtimeMs: number | null;
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)]! : NaN;
};

const bed = await startTestbed(log, {
  xenHost: false,
  secondKvmHost: true,
  machineBashrc: values['machine-bashrc'],
});
const maybeSecond = bed.info.secondKvmHost;
if ('unavailable' in maybeSecond) throw new Error(maybeSecond.unavailable);
const second: SecondKvmHostInfo = maybeSecond;
const a = await connectToTestbed(bed.info);
const b = await connectToSecondKvmHost(second);
const virshA = new KvmDriver(a);
const virshB = new KvmDriver(b);
const dir = join(bed.info.runDir, 'bench-migrate');
mkdirSync(dir, { recursive: true });
const inventory = Inventory.open({ dataDir: dir });
const fleet = new FleetService({
  inventory,
  trust: new HostKeyTrust({ userKnownHostsFiles: [], convirtStoreFile: join(dir, 'kh') }),
});
const migration = new MigrationService({ fleet, inventory });
// The operator's ssh for libvirt's qemu+ssh: the bed's key, a known_hosts file of this run's own.
const sshWrapper = join(dir, 'ssh');
writeFileSync(
  join(dir, 'known_hosts'),
  `${second.address} ${second.hostPublicKey.split(' ').slice(0, 2).join(' ')}\n`,
);
writeFileSync(
  sshWrapper,
  `#!/bin/sh\nexec ssh -i '${second.clientKeyPath}' -o UserKnownHostsFile='${join(dir, 'known_hosts')}' -o StrictHostKeyChecking=yes -o BatchMode=yes "$@"\n`,
);
chmodSync(sshWrapper, 0o755);
const results: Record<string, Sample[]> = {};
let serial = 0;

/** A fresh running tiny VM on the first host, its disk shared or local. */
async function freshVm(storage: Storage): Promise<string> {
  const name = `${bed.info.prefix}bench-${serial++}`;
  const imagesDir = storage === 'shared' ? second.sharedDir : bed.info.imagesDir;
  await defineTinyVm(a, { ...bed.info, imagesDir }, name);
  await virshA.start(name);
  await waitForGuestAgent(virshA, name, 120_000, 200);
  return name;
}

async function finish(name: string, seconds: number): Promise<Sample> {
  const done = await virshB.migrationEndpoint().completedJob(name);
  await virshB.destroy(name);
  await virshB.undefine(name);
  return { seconds, downtimeMs: done?.downtimeMs ?? null };
}

/** ConVirt's migration: its checks, then the task to its end. */
async function viaConvirt(storage: Storage): Promise<Sample> {
  const name = await freshVm(storage);
  const started = performance.now();
  const { finished } = await migration.migrate(
    { host: 'a', vm: name },
    { target: 'b', mode: 'live', copyStorage: storage === 'copy' },
  );
  const task = await finished;
  if (task.status !== 'succeeded') throw new Error(`migration ${task.status}: ${task.error}`);
  const seconds = (performance.now() - started) / 1000;
  // Channels still held on each connection after the migration (a leak stalls the next one).
  for (const host of ['a', 'b']) {
    const connection = await fleet.connections.get(host);
    log(`  ${host}: ${connection.heldChannels} channels held`);
  }
  return finish(name, seconds);
}

/** What an operator types: virsh migrate to qemu+ssh, target images made first when copying. */
async function byHand(storage: Storage): Promise<Sample> {
  const name = await freshVm(storage);
  const disk = join(bed.info.imagesDir, `${name}.qcow2`);
  const started = performance.now();
  if (storage === 'copy') {
    const size = JSON.parse(await a.run(['qemu-img', 'info', '-U', '--output=json', disk])) as {
      'virtual-size': number;
    };
    await b.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, String(size['virtual-size'])]);
  }
  await mustRun('virsh', [
    '-c',
    'qemu:///system',
    'migrate',
    '--live',
    '--persistent',
    '--undefinesource',
    ...(storage === 'copy' ? ['--copy-storage-all'] : ['--unsafe']),
    name,
    `qemu+ssh://root@${second.address}/system?command=${sshWrapper}&no_tty=1`,
    '--migrateuri',
    `tcp://${second.address}`,
    '--listen-address',
    second.address,
  ]);
  const seconds = (performance.now() - started) / 1000;
  if (storage === 'copy') await a.run(['rm', '-f', disk]);
  return finish(name, seconds);
}

try {
  await fleet.addHost(
    {
      name: 'a',
      address: bed.info.sshd.host,
      port: bed.info.sshd.port,
      username: bed.info.sshd.username,
      authMethod: 'key',
      identityFile: bed.info.sshd.clientKeyPath,
    },
    { acceptFingerprint: bed.info.sshd.hostKeyFingerprint },
  );
  await fleet.addHost(
    {
      name: 'b',
      address: second.address,
      port: second.port,
      username: 'root',
      authMethod: 'key',
      identityFile: second.clientKeyPath,
    },
    { acceptFingerprint: second.hostKeyFingerprint },
  );
  for (let i = 0; i < runs; i++) {
    // Alternated, so load on the machine falls on both alike.
    for (const storage of ['shared', 'copy'] as const) {
      for (const [how, run] of [
        ['virsh by hand', byHand],
        ['convirt', viaConvirt],
      ] as const) {
        const sample = await run(storage);
        (results[`${storage}/${how}`] ??= []).push(sample);
        log(
          `${storage} ${how} ${i + 1}/${runs}: ${sample.seconds.toFixed(2)} s, downtime ${sample.downtimeMs} ms`,
        );
      }
    }
  }
} finally {
  fleet.close();
  inventory.close();
  a.close();
  b.close();
  await bed.stop();
}

const summary = Object.fromEntries(
  Object.entries(results).map(([key, samples]) => [
    key,
    {
      runs: samples.map((s) => ({
        seconds: Number(s.seconds.toFixed(2)),
        downtimeMs: s.downtimeMs,
      })),
      medianSeconds: Number(median(samples.map((s) => s.seconds)).toFixed(2)),
      medianDowntimeMs: median(
        samples.flatMap((s) => (s.downtimeMs === null ? [] : [s.downtimeMs])),
      ),
    },
  ]),
);
const ratio = (storage: Storage) =>
  Number(
    (
      summary[`${storage}/convirt`]!.medianSeconds /
      summary[`${storage}/virsh by hand`]!.medianSeconds
    ).toFixed(2),
  );
console.log(
  JSON.stringify(
    {
      benchmark: 'live migration of the tiny VM between the two test-bed KVM hosts',
      firstHostLoginShell: bed.info.sshd.bashrcMasked
        ? "root's ~/.bashrc masked (the test bed's default)"
        : "root's ~/.bashrc as the test machine has it (--machine-bashrc)",
      results: summary,
      convirtToBaselineTime: { shared: ratio('shared'), copy: ratio('copy') },
    },
    null,
    2,
  ),
);
