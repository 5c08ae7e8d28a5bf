// npm run bench:soak -- --minutes N: the whole backend (openConvirt, as every front end starts)
// with 100 simulated hosts (libvirt test-driver URIs over the test bed's real sshd, each host its
// own SSH connection) polled for N minutes, while serial consoles are opened and closed and VM
// tasks run. Samples, at quiet moments: RSS, heap, this process's open file descriptors, the
// sshd's connections and processes, and the event loop's delay. The baseline is the median of the
// first samples after the warm-up, the end the median of the last ones; their ratio is the result.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openConvirt } from '../app/main/backend/open-convirt.js';
import { loadConfig } from '../app/main/config/index.js';
import type { ConvirtService } from '../app/shared/contract/convirt-contract.js';
import { startTestbed } from '../test/bed/testbed.js';
import { writeConvirtConf } from '../test/support/convirt-conf.js';
import { median, processStats, writeSimulatedHosts } from './simulated-fleet.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    hosts: { type: 'string', default: '100' },
    vms: { type: 'string', default: '20' },
    'sample-seconds': { type: 'string', default: '30' },
    'poll-seconds': { type: 'string', default: '5' },
  },
});
const minutes = Number(values.minutes);
const hostCount = Number(values.hosts);
const vmCount = Number(values.vms);
const sampleMs = Number(values['sample-seconds']) * 1000;
const pollMs = Number(values['poll-seconds']) * 1000;
/** Samples the baseline and the end are each the median of. */
const EDGE_SAMPLES = 3;
const log = (line: string) => process.stderr.write(`[soak] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Run with --expose-gc (npm run bench:soak does): a collection before each sample, so heap and
// RSS show what is kept, not what is merely not yet collected.
const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/** Processes by parent PID, read from /proc. */
function processTree(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const [pid, fields] of processStats()) {
    const parent = Number(fields[1]);
    children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  return children;
}

/** sshd's connections (its children) and every process under it (sessions and their commands). */
function sshdUsage(sshdPid: number): { connections: number; processes: number } {
  const tree = processTree();
  const direct = tree.get(sshdPid) ?? [];
  let processes = 0;
  const queue = [...direct];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    processes++;
    queue.push(...(tree.get(pid) ?? []));
  }
  return { connections: direct.length, processes };
}

interface Sample {
  minute: number;
  rssMB: number;
  heapUsedMB: number;
  openFds: number;
  sshdConnections: number;
  sshdProcesses: number;
}

const mb = (bytes: number) => Number((bytes / 1e6).toFixed(1));

const bed = await startTestbed(log, { xenHost: false });
const dataDir = mkdtempSync(join(tmpdir(), `${bed.info.prefix}soak-`));
const uris = writeSimulatedHosts(bed.info.runDir, hostCount, vmCount);
const convirt = openConvirt({
  dataDir,
  // Logs and caches in the soak's own folder, not the user's.
  config: loadConfig({
    flag: writeConvirtConf(join(dataDir, 'conf'), {
      log_dir: join(dataDir, 'logs'),
      cache_dir: join(dataDir, 'cache'),
    }),
  }),
  home: dataDir,
  mode: 'browser',
  version: 'soak',
  localTerminal: false,
  polling: { pollIntervalMs: pollMs, fastPollIntervalMs: pollMs },
});
const counts = { polls: 0, pollFailures: 0, consoles: 0, tasks: 0, failedTasks: 0, errors: 0 };
const openConsoles = new Set<string>();
const client = convirt.backend.attach((event, payload) => {
  if (event === 'hostPolled') {
    counts.polls++;
    if ((payload as { status: string }).status === 'unreachable') counts.pollFailures++;
  }
  if (event === 'consoleClosed') openConsoles.delete((payload as { consoleId: string }).consoleId);
});
const api: ConvirtService = client.service;
const delay = monitorEventLoopDelay({ resolution: 10 });
const samples: Sample[] = [];
const errorExamples = new Set<string>();
const noteError = (err: unknown) => {
  counts.errors++;
  if (errorExamples.size < 10) errorExamples.add((err as Error).message);
};

try {
  const hosts = [...uris.keys()];
  // Added a few at a time, as an operator's script would, not 100 handshakes at once.
  for (let i = 0; i < hosts.length; i += 10) {
    await Promise.all(
      hosts.slice(i, i + 10).map((name) =>
        api.addHost({
          name,
          address: bed.info.sshd.host,
          port: bed.info.sshd.port,
          username: bed.info.sshd.username,
          authMethod: 'key',
          identityFile: bed.info.sshd.clientKeyPath,
          libvirtUri: uris.get(name)!,
          acceptFingerprint: bed.info.sshd.hostKeyFingerprint,
        }),
      ),
    );
  }
  log(`${hosts.length} hosts added`);

  const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  const randomVm = () => {
    const host = pick(hosts);
    return { host, vm: `h${host.slice(3)}-vm${Math.floor(Math.random() * vmCount)}` };
  };

  /** A serial console opened, kept a moment, closed (if virsh has not ended it already). */
  async function consoleRound(): Promise<void> {
    const { consoleId } = await api.openConsole(randomVm(), 'serial', { cols: 80, rows: 24 });
    counts.consoles++;
    openConsoles.add(consoleId);
    await sleep(500);
    // virsh may have ended it meanwhile (consoleClosed): then there is nothing left to close.
    if (openConsoles.has(consoleId)) {
      await api.closeConsole(consoleId).catch((err: unknown) => {
        if (openConsoles.has(consoleId)) noteError(err);
      });
    }
  }

  /** A VM task run to its end (the test driver forgets the change: each virsh rereads the file). */
  async function taskRound(): Promise<void> {
    const task = await api.vmAction(randomVm(), pick(['suspend', 'resume', 'start'] as const));
    const outcome = await api.waitForTask(task.id);
    counts.tasks++;
    if (outcome.task.status !== 'succeeded') counts.failedTasks++;
  }

  function sample(started: number): Sample {
    collect();
    const memory = process.memoryUsage();
    const sshd = sshdUsage(bed.info.sshd.pid);
    const s: Sample = {
      minute: Number(((performance.now() - started) / 60_000).toFixed(2)),
      rssMB: mb(memory.rss),
      heapUsedMB: mb(memory.heapUsed),
      openFds: readdirSync('/proc/self/fd').length,
      sshdConnections: sshd.connections,
      sshdProcesses: sshd.processes,
    };
    log(JSON.stringify({ ...s, ...counts }));
    return s;
  }

  // Warm-up: every host connected and polled, the consoles and tasks code paths loaded.
  const warmupMs = Math.min(120_000, Math.max(30_000, minutes * 6_000));
  const runStart = performance.now();
  const end = runStart + warmupMs + minutes * 60_000;
  let nextSample = runStart + warmupMs;
  delay.enable();
  while (performance.now() < end) {
    if (performance.now() >= nextSample) {
      // Between two steps: no console or task of ours in flight.
      if (nextSample === runStart + warmupMs) delay.reset(); // p99 of the measured part only
      samples.push(sample(runStart));
      nextSample += sampleMs;
    }
    await Promise.all([consoleRound().catch(noteError), taskRound().catch(noteError)]);
    await sleep(250);
  }
  delay.disable();
  samples.push(sample(runStart));

  const first = samples.slice(0, EDGE_SAMPLES);
  const last = samples.slice(-EDGE_SAMPLES);
  const at = (xs: Sample[], key: keyof Sample) => median(xs.map((s) => s[key]));
  const edge = (key: keyof Sample) => ({ start: at(first, key), end: at(last, key) });
  const rss = edge('rssMB');
  const fds = edge('openFds');
  const connections = edge('sshdConnections');
  const processes = edge('sshdProcesses');
  const rssGrowthPercent = Number(((rss.end / rss.start - 1) * 100).toFixed(2));
  console.log(
    JSON.stringify(
      {
        benchmark: 'soak',
        minutes,
        hosts: hostCount,
        vmsPerHost: vmCount,
        pollSeconds: pollMs / 1000,
        ...counts,
        errorExamples: [...errorExamples],
        rssMB: { ...rss, ratio: Number((rss.end / rss.start).toFixed(4)) },
        rssGrowthPercent,
        heapUsedMB: edge('heapUsedMB'),
        openFds: fds,
        sshdConnections: connections,
        sshdProcesses: processes,
        eventLoopDelayMs: {
          p99: Number((delay.percentile(99) / 1e6).toFixed(1)),
          max: Number((delay.max / 1e6).toFixed(1)),
        },
        pass:
          rssGrowthPercent < 5 &&
          fds.end <= fds.start &&
          connections.end <= connections.start &&
          processes.end <= processes.start,
        samples,
      },
      null,
      2,
    ),
  );
} finally {
  client.close();
  convirt.close();
  rmSync(dataDir, { recursive: true, force: true });
  await bed.stop();
}
