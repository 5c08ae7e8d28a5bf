// npm run bench:poll-cpu — main's own CPU per full refresh and its event-loop delay, with no test
// bed: N simulated hosts x M VMs answer the poll in-process with the light hosts' canned output
// (bench/light-hosts.ts, recorded once from the real virsh on the libvirt test driver), through
// the real pipeline: each host's virsh session (VirshSession, fed by a fake SSH channel in 32 KiB
// packets as ssh2 delivers them) and parsing, FleetPoller's 'poll' events, FleetState's deltas,
// the performance history, and the backend's broadcast to one attached client whose events are
// encoded by the wire codec as browser mode's WebSocket sends them. SSH's own cost (ciphers,
// packets) is not in it: bench:poll through the real sshd stays the reference.
// `--busy`: every VM's counters (CPU time, disk, network) move at every poll, as on a real host,
// so every poll sends all its VMs; the light hosts' answer never changes.
// `--baseline REF`: the same bench is run against the code of git commit REF (extracted with
// `git archive` into a temporary folder), alternated with this tree, in the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { EventEmitter } from 'node:events';
import type { ClientChannel } from 'ssh2';
import { openConvirt } from '../app/main/backend/open-convirt.js';
import { encodeWire } from '../app/shared/contract/wire.js';
import { convirtContract } from '../app/shared/contract/convirt-contract.js';
import type { Packing } from '../app/shared/contract/define.js';
import type { HostFacts } from '../app/shared/domain/host.js';
import type { SshConnection } from '../app/main/ssh/ssh-connection.js';
import { startIdleLoopProbe } from './idle-loop-probe.js';
import { answerForHost, recordPollAnswer } from './light-hosts.js';
import { median, writeSimulatedHosts } from './simulated-fleet.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '1000' },
    vms: { type: 'string', default: '50' },
    runs: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
    busy: { type: 'boolean', default: false },
    baseline: { type: 'string' },
    /** Alternations of baseline and this tree (each a fresh process doing `runs` refreshes). */
    rounds: { type: 'string', default: '3' },
    /** One measurement in this process, printed as JSON (what the alternation runs). */
    json: { type: 'boolean', default: false },
  },
});
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

interface Measurement {
  refreshSeconds: number;
  mainCpuSecondsPerRefresh: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** The same p99 of an idle process meanwhile: the part of the delay that is the machine's. */
  idleProcessEventLoopDelayP99Ms: number;
  wireBytesPerRefresh: number;
}

/** ssh2 hands a channel's data over in packets of at most 32 KiB. */
const PACKET_BYTES = 32 * 1024;

/** A host's virsh session: answers each batch of poll commands with its canned output. */
class FakeVirshChannel extends EventEmitter {
  readonly stderr = new EventEmitter();
  private polls = 0;
  constructor(private readonly answer: (poll: number) => string) {
    super();
  }
  write(text: string): boolean {
    const marker = /echo (@@convirt-end-\d+@@)/.exec(text)?.[1];
    if (!marker) return true;
    const bytes = Buffer.from(`${this.answer(++this.polls)}${marker}\nvirsh # `);
    setImmediate(() => {
      for (let at = 0; at < bytes.length; at += PACKET_BYTES) {
        this.emit('data', bytes.subarray(at, at + PACKET_BYTES));
      }
    });
    return true;
  }
  end(): void {
    this.close();
  }
  close(): void {
    this.emit('close');
  }
}

/** Counters that grow at every poll, as a running VM's do (inserted after each domain's state). */
function busyStats(stats: string, poll: number): string {
  let vm = 0;
  return stats.replace(/(\n {2}state\.reason=\d+)/g, (line) => {
    const n = poll * 1000 + vm++;
    return (
      `${line}\n  cpu.time=${n * 1_000_000}\n  balloon.current=262144\n  balloon.maximum=262144` +
      `\n  vcpu.current=2\n  vcpu.maximum=2\n  net.count=1\n  net.0.rx.bytes=${n * 100}` +
      `\n  net.0.tx.bytes=${n * 50}\n  block.count=1\n  block.0.rd.bytes=${n * 4096}` +
      `\n  block.0.wr.bytes=${n * 2048}`
    );
  });
}

const facts: HostFacts = {
  hostname: 'sim',
  hypervisor: 'kvm',
  hypervisorVersion: 'test',
  cpuCount: 8,
  cpuModel: 'i686',
  memoryTotalMiB: 16384,
  memoryFreeMiB: 8192,
  storagePools: [],
  networks: [],
  capabilities: [],
};

async function measure(): Promise<Measurement> {
  const hostCount = Number(values.hosts);
  const runs = Number(values.runs);
  const dir = mkdtempSync(join(tmpdir(), 'convirt-poll-cpu-'));
  const idleProbe = startIdleLoopProbe();
  try {
    const [uri] = writeSimulatedHosts(dir, 1, Number(values.vms)).values();
    const { list, stats } = recordPollAnswer(uri!);
    const convirt = openConvirt({
      dataDir: dir,
      home: dir,
      mode: 'browser',
      version: 'bench',
      localTerminal: false,
      polling: { pollIntervalMs: 3_600_000, fastPollIntervalMs: 3_600_000 },
    });
    const { fleet, inventory, backend } = convirt;
    const hosts = Array.from({ length: hostCount }, (_, i) => `sim${i}`);
    inventory.transaction(() => {
      for (const name of hosts) {
        inventory.hosts.add({ name, address: '192.0.2.1', username: 'root', hypervisor: 'kvm' });
      }
    });
    const connection = (host: string): SshConnection => {
      const index = Number(host.slice(3));
      const hostList = answerForHost(list, index);
      const hostStats = answerForHost(stats, index);
      const fixed = `${hostList}${hostStats}`;
      const answer = values.busy
        ? (poll: number) => `${hostList}${busyStats(hostStats, poll)}`
        : () => fixed;
      return {
        target: host,
        isOpen: true,
        openChannel: () =>
          Promise.resolve(new FakeVirshChannel(answer) as unknown as ClientChannel),
        close: () => undefined,
      } as unknown as SshConnection;
    };
    const open = new Map(hosts.map((host) => [host, connection(host)]));
    fleet.connections.get = (host: string) => Promise.resolve(open.get(host)!);
    fleet.poller['options' as never] = {
      ...(fleet.poller['options' as never] as object),
      concurrency: Number(values.concurrency),
    } as never;
    for (const host of hosts) backend.state.setFacts(host, facts);

    let wireBytes = 0;
    const session = backend.attach((event, payload) => {
      // As the WebSocket carries it to each client: packed where the contract says so (read from
      // the declaration itself, not packForWire: --baseline runs this bench on older code).
      const { packing } = convirtContract.events[event] as { packing?: Packing<unknown> };
      wireBytes += encodeWire({ event, payload: packing ? packing.pack(payload) : payload }).length;
    });
    fleet.poller.stop();
    await fleet.poller.pollAll(hosts); // warm-up: sessions opened, first full deltas sent

    const refreshSeconds: number[] = [];
    const cpuSeconds: number[] = [];
    const delayP99: number[] = [];
    const delayMax: number[] = [];
    const idleDelayP99: number[] = [];
    const bytes: number[] = [];
    for (let run = 0; run < runs; run++) {
      wireBytes = 0;
      const loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      idleProbe.reset();
      const cpuBefore = process.cpuUsage();
      const start = performance.now();
      await fleet.poller.pollAll(hosts);
      refreshSeconds.push((performance.now() - start) / 1000);
      const cpu = process.cpuUsage(cpuBefore);
      cpuSeconds.push((cpu.user + cpu.system) / 1e6);
      loopDelay.disable();
      // The histogram's delays include its own 10 ms resolution: subtract it.
      delayP99.push(Math.max(0, loopDelay.percentile(99) / 1e6 - 10));
      delayMax.push(Math.max(0, loopDelay.max / 1e6 - 10));
      idleDelayP99.push(await idleProbe.p99());
      bytes.push(wireBytes);
      // Spaced as polls are, so the history's points are not all one step.
      await new Promise((r) => setTimeout(r, 200));
    }
    session.close();
    await backend.state.history.flush();
    convirt.close();
    return {
      refreshSeconds: median(refreshSeconds),
      mainCpuSecondsPerRefresh: median(cpuSeconds),
      eventLoopDelayP99Ms: median(delayP99),
      eventLoopDelayMaxMs: median(delayMax),
      idleProcessEventLoopDelayP99Ms: median(idleDelayP99),
      wireBytesPerRefresh: median(bytes),
    };
  } finally {
    idleProbe.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The code of commit `ref` with this bench beside it, in a temporary folder. */
function baselineTree(ref: string): string {
  const root = resolve(import.meta.dirname, '..');
  const dir = mkdtempSync(join(tmpdir(), 'convirt-poll-cpu-base-'));
  const archive = execFileSync('git', ['archive', '--format=tar', ref, 'app', 'package.json'], {
    cwd: root,
    maxBuffer: 1 << 30,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  cpSync(join(root, 'bench'), join(dir, 'bench'), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function runIn(tree: string, args: string[]): Measurement {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(tree, 'bench/poll-cpu.ts'), ...args, '--json'],
    { cwd: tree, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 },
  );
  if (child.status !== 0) throw new Error(`bench in ${tree} failed (${child.status})`);
  return JSON.parse(child.stdout) as Measurement;
}

if (values.json) {
  process.stdout.write(`${JSON.stringify(await measure())}\n`);
} else {
  const args = ['--hosts', values.hosts, '--vms', values.vms, '--runs', values.runs];
  args.push('--concurrency', values.concurrency, ...(values.busy ? ['--busy'] : []));
  const here = resolve(import.meta.dirname, '..');
  const trees: Array<[string, string]> = [['this tree', here]];
  const base = values.baseline ? baselineTree(values.baseline) : null;
  if (base) trees.unshift([`baseline ${values.baseline}`, base]);
  const results = new Map<string, Measurement[]>(trees.map(([name]) => [name, []]));
  const load: number[] = [loadavg()[0]!];
  try {
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const [name, tree] of trees) {
        const m = runIn(tree, args);
        log(`${name}: ${JSON.stringify(m)}`);
        results.get(name)!.push(m);
        load.push(loadavg()[0]!);
      }
    }
  } finally {
    if (base) rmSync(base, { recursive: true, force: true });
  }
  const summary = Object.fromEntries(
    [...results].map(([name, ms]) => [
      name,
      Object.fromEntries(
        Object.keys(ms[0]!).map((key) => [key, median(ms.map((m) => m[key as keyof Measurement]))]),
      ),
    ]),
  );
  const report = {
    hosts: Number(values.hosts),
    vms: Number(values.vms),
    concurrency: Number(values.concurrency),
    busy: values.busy,
    runsPerRound: Number(values.runs),
    rounds: Number(values.rounds),
    loadAverage: { min: Math.min(...load), max: Math.max(...load) },
    medians: summary,
  };
  writeFileSync(1, `${JSON.stringify(report, null, 2)}\n`);
}
