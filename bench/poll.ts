// npm run bench:poll — one full refresh of H simulated hosts x M VMs through the real sshd and
// real virsh (libvirt test-driver URIs), against the naive way (one `virsh dominfo` per VM),
// measured in the same run. Remote commands are counted from sshd's own log.
// `--slow-hosts N --slow-login-seconds S`: the first N hosts log in through the test bed's
// slow-login port. Hosts that fail or answer slowly are reported, never fatal.
// `--light`: simulated hosts answer the poll from canned output (bench/light-hosts.ts) instead of
// a real virsh each, so 1,000 hosts fit on the test machine; SSH and sshd stay real.
// Main's event-loop delay (p99) is sampled while the refreshes run: the UI's events wait on it.
import { readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { FleetPoller } from '../app/main/fleet/fleet-poller.js';
import { HostConnections } from '../app/main/fleet/host-connections.js';
import { KvmDriver } from '../app/main/hypervisors/kvm/kvm-driver.js';
import { buildCommand } from '../app/main/ssh/shell-quote.js';
import type { SshConnection } from '../app/main/ssh/ssh-connection.js';
import type { HypervisorDriver } from '../app/main/hypervisors/driver.js';
import { DEFAULT_SLOW_LOGIN_SECONDS } from '../test/bed/sshd.js';
import { startTestbed } from '../test/bed/testbed.js';
import { connectToTestbed } from '../test/support/testbed.js';
import { startIdleLoopProbe } from './idle-loop-probe.js';
import { writeLightHosts } from './light-hosts.js';
import { descendantsCpuSeconds, median, writeSimulatedHosts } from './simulated-fleet.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '100' },
    vms: { type: 'string', default: '50' },
    runs: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
    // The naive way is linear in hosts and takes minutes: measure it on a slice and scale.
    'naive-hosts': { type: 'string', default: '10' },
    'slow-hosts': { type: 'string', default: '0' },
    'slow-login-seconds': { type: 'string', default: String(DEFAULT_SLOW_LOGIN_SECONDS) },
    light: { type: 'boolean', default: false },
    // Logins at once: sshd drops unauthenticated connections beyond its MaxStartups.
    'connect-batch': { type: 'string', default: '100' },
  },
});
const hostCount = Number(values.hosts);
const vmCount = Number(values.vms);
const runs = Number(values.runs);
const concurrency = Number(values.concurrency);
const slowHostCount = Number(values['slow-hosts']);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

const bed = await startTestbed(log, { xenHost: false });
const sshdLog = bed.info.sshd.logPath;
const commandsInLog = () =>
  (readFileSync(sshdLog, 'utf8').match(/Starting session: command/g) ?? []).length;

const uris = writeSimulatedHosts(bed.info.runDir, hostCount, vmCount);
const execPath = values.light ? `${writeLightHosts(bed.info.runDir, uris)}:$PATH` : undefined;
const allHosts = [...uris.keys()];
const slowHosts = new Set(allHosts.slice(0, slowHostCount));
writeFileSync(bed.info.sshd.slowLoginSecondsFile, `${values['slow-login-seconds']}\n`);

// Every simulated host is its own SSH connection, as real hosts would be.
const connections = new HostConnections((host) =>
  connectToTestbed(bed.info, {
    ...(slowHosts.has(host) ? { port: bed.info.sshd.slowLoginPort } : {}),
    ...(execPath ? { execPath } : {}),
  }),
);
const driverFor = (host: string, ssh: SshConnection) =>
  new KvmDriver(ssh, { uri: uris.get(host)! });
const poller = new FleetPoller({ connections, driverFor, concurrency });

/** Why each host failed, by host; a failing host is left out of the later measurements. */
const failures = new Map<string, string>();
/** Per host: seconds from the start of a refresh to its answer, in the warm-up refresh. */
const firstAnswerSeconds = new Map<string, number>();

const idleProbe = startIdleLoopProbe();
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

try {
  const connectStart = performance.now();
  const batch = Number(values['connect-batch']);
  for (let i = 0; i < allHosts.length; i += batch) {
    const hosts = allHosts.slice(i, i + batch);
    const connected = await Promise.allSettled(hosts.map((h) => connections.get(h)));
    connected.forEach((c, j) => {
      if (c.status === 'rejected') failures.set(hosts[j]!, String(c.reason));
    });
  }
  log(
    `${hostCount - failures.size} of ${hostCount} connections in ` +
      `${((performance.now() - connectStart) / 1000).toFixed(2)} s`,
  );
  const answering = () => allHosts.filter((h) => !failures.has(h));

  /** Median wall and main-process CPU of `runs` full refreshes, after one warm-up. */
  async function measure(label: string, poller: FleetPoller) {
    const wall: number[] = [];
    const cpu: number[] = [];
    const hostsCpu: number[] = [];
    const loopDelayP99: number[] = [];
    const idleLoopDelayP99: number[] = [];
    let vms = 0;
    let sessionsPerHost = 0;
    for (let run = 0; run < runs + 1; run++) {
      const hosts = answering();
      const before = commandsInLog();
      const cpuBefore = process.cpuUsage();
      const hostsCpuBefore = descendantsCpuSeconds(bed.info.sshd.pid);
      const loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      idleProbe.reset();
      const started = performance.now();
      const answered = ({ host }: { host: string }) => {
        if (!firstAnswerSeconds.has(host)) {
          firstAnswerSeconds.set(host, (performance.now() - started) / 1000);
        }
      };
      poller.on('poll', answered);
      const results = await poller.pollAll(hosts);
      poller.off('poll', answered);
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpuBefore);
      const hostsUsed = descendantsCpuSeconds(bed.info.sshd.pid) - hostsCpuBefore;
      loopDelay.disable();
      for (const [host, result] of results) {
        if (!(result instanceof Error)) continue;
        failures.set(host, result.message);
        log(`${label} refresh ${run}: ${host} failed: ${result.message}`);
      }
      vms = [...results.values()].reduce((n, r) => n + (r instanceof Error ? 0 : r.vms.length), 0);
      await new Promise((r) => setTimeout(r, 300)); // let sshd write its log
      sessionsPerHost = (commandsInLog() - before) / hosts.length;
      if (run === 0) continue;
      wall.push(seconds);
      cpu.push((used.user + used.system) / 1e6);
      hostsCpu.push(hostsUsed);
      // The histogram's delays include its own 10 ms resolution: subtract it.
      loopDelayP99.push(Math.max(0, loopDelay.percentile(99) / 1e6 - 10));
      idleLoopDelayP99.push(await idleProbe.p99());
      log(
        `${label} refresh ${run}/${runs}: ${seconds.toFixed(2)} s, ${vms} VMs, ` +
          `event-loop delay p99 ${loopDelayP99.at(-1)!.toFixed(1)} ms, ` +
          `(an idle process: ${idleLoopDelayP99.at(-1)!.toFixed(1)} ms), ` +
          `CPU: main ${cpu.at(-1)!.toFixed(2)} s, hosts ${hostsCpu.at(-1)!.toFixed(2)} s`,
      );
    }
    return {
      medianSeconds: Number(median(wall).toFixed(3)),
      runs: wall.map((s) => Number(s.toFixed(3))),
      vmsRefreshed: vms,
      newSshSessionsPerHostPerCycle: sessionsPerHost,
      mainProcessCpuSeconds: Number(median(cpu).toFixed(3)),
      // sshd and the simulated hosts' commands, on the same cores as the manager here.
      hostSideCpuSeconds: Number(median(hostsCpu).toFixed(3)),
      eventLoopDelayP99Ms: Number(median(loopDelayP99).toFixed(1)),
      // The same measured in an idle process meanwhile: what the loaded machine alone causes.
      idleProcessEventLoopDelayP99Ms: Number(median(idleLoopDelayP99).toFixed(1)),
    };
  }

  // What ConVirt does: one virsh batch per host per cycle, through a virsh kept open per host.
  const session = await measure('session', poller);
  poller.dispose();
  // The same single command, but as a new SSH exec (new virsh process) every cycle.
  const execOnly = (host: string, ssh: SshConnection): HypervisorDriver =>
    // The same driver with its session-based polls hidden (the poller prefers pollOutput()).
    Object.assign(Object.create(driverFor(host, ssh)) as HypervisorDriver, {
      poll: undefined,
      pollOutput: undefined,
    });
  const exec = await measure(
    'exec',
    new FleetPoller({ connections, driverFor: execOnly, concurrency }),
  );

  // The naive way: list the names, then one dominfo per VM, same connections and bound.
  const naiveHosts = answering().slice(0, Number(values['naive-hosts']));
  const naiveBefore = commandsInLog();
  const naiveStart = performance.now();
  const queue = [...naiveHosts];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let host = queue.shift(); host; host = queue.shift()) {
        try {
          const ssh = await connections.get(host);
          const virsh = (...args: string[]) => ['virsh', '-q', '-c', uris.get(host)!, ...args];
          const names = (await ssh.run(virsh('list', '--all', '--name')))
            .split('\n')
            .filter(Boolean);
          await Promise.all(names.map((name) => ssh.run(virsh('dominfo', name))));
        } catch (err) {
          failures.set(host, `naive refresh: ${(err as Error).message}`);
        }
      }
    }),
  );
  const naiveSliceWall = (performance.now() - naiveStart) / 1000;
  const naiveWall = (naiveSliceWall * hostCount) / naiveHosts.length;
  await new Promise((r) => setTimeout(r, 300));
  const naiveCommandsPerHost = (commandsInLog() - naiveBefore) / naiveHosts.length;
  log(`naive refresh of ${naiveHosts.length} hosts: ${naiveSliceWall.toFixed(2)} s`);

  console.log(
    JSON.stringify(
      {
        benchmark: 'full refresh of the fleet',
        hosts: hostCount,
        vmsPerHost: vmCount,
        concurrency,
        simulatedHosts: values.light
          ? 'light load generators (canned poll answers) behind the real sshd'
          : 'a real virsh each (libvirt test driver) behind the real sshd',
        loginShell: bed.info.sshd.bashrcMasked
          ? "the login user's ~/.bashrc masked for sshd's sessions (test/bed/sshd.ts)"
          : "the login user's ~/.bashrc as the machine has it (not root, or none)",
        slowLoginHosts: slowHostCount,
        slowLoginSeconds: slowHostCount ? Number(values['slow-login-seconds']) : 0,
        failedHosts: Object.fromEntries(failures),
        slowestFirstAnswers: [...firstAnswerSeconds]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 5)
          .map(([host, seconds]) => ({ host, seconds: Number(seconds.toFixed(2)) })),
        virshBatchesPerHostPerCycle: 1,
        session,
        execPerCycle: exec,
        naive: {
          measuredHosts: naiveHosts.length,
          measuredSeconds: Number(naiveSliceWall.toFixed(3)),
          scaledToAllHostsSeconds: Number(naiveWall.toFixed(3)),
          newSshSessionsPerHostPerCycle: naiveCommandsPerHost,
        },
        speedupVsNaive: Number((naiveWall / session.medianSeconds).toFixed(1)),
        peakRssMB: Math.round(peakRss / 1e6),
        pollCommand: buildCommand(
          new KvmDriver({} as SshConnection, { uri: uris.get('sim0')! }).pollArgv(),
        ),
      },
      null,
      2,
    ),
  );
} finally {
  clearInterval(sampler);
  idleProbe.stop();
  connections.closeAll();
  await bed.stop();
}
