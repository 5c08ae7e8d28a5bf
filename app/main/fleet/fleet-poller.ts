// Keeps the fleet's VM states and statistics fresh: ONE remote command per host per cycle, never
// two polls of the same host at once, hosts in parallel up to a bound, each host at its own moment
// of the cycle (not the whole fleet at once), and a faster rate only for hosts somebody subscribed
// to (an open host or VM view).
import { EventEmitter } from 'node:events';
import type { VmSample } from '../../shared/domain/vm.js';
import type { HypervisorDriver, PolledVm } from '../hypervisors/driver.js';
import type { SshConnection } from '../ssh/ssh-connection.js';
import type { HostConnections } from './host-connections.js';

export interface HostPoll {
  host: string;
  at: number;
  vms: VmSample[];
}

export interface FleetPollerEvents {
  poll: [HostPoll];
  hostError: [{ host: string; error: Error }];
}

/** The poller's time: when a poll ended, and the rates it polls at. Tests give a fake one. */
export interface PollerClock {
  now(): number;
  /** Runs `tick` every `ms` until the returned function is called. */
  every(ms: number, tick: () => void): () => void;
}

export const systemPollerClock: PollerClock = {
  now: Date.now,
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    return () => clearInterval(timer);
  },
};

/** The cycle is cut in steps of about this long; each host is polled in one step of each cycle. */
const SPREAD_STEP_MS = 100;
/** Hosts polled at once by default. */
const DEFAULT_CONCURRENCY = 16;

/**
 * The step of the cycle `host` is polled in, of `steps`: from its name alone (FNV-1a), so a host
 * keeps its moment whatever hosts come and go, and a fleet's hosts fall evenly over the cycle.
 */
export function spreadStep(host: string, steps: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < host.length; i++) hash = Math.imul(hash ^ host.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % steps;
}

/** `hosts` grouped by their step of a cycle of `steps` (see spreadStep). */
function byStep(hosts: readonly string[], steps: number): string[][] {
  const groups = Array.from({ length: steps }, (): string[] => []);
  for (const host of hosts) groups[spreadStep(host, steps)]!.push(host);
  return groups;
}

export interface FleetPollerOptions {
  connections: HostConnections;
  driverFor(host: string, ssh: SshConnection): HypervisorDriver;
  /** Hosts polled at once. */
  concurrency?: number;
  clock?: PollerClock;
}

interface Previous {
  at: number;
  cpuTimeNs: Map<string, number>;
  /** How many VMs the poll found. */
  vmCount: number;
}

/** CPU use between two samples, in percent of one host CPU. */
export function cpuPercent(
  prevNs: number | undefined,
  nowNs: number | null,
  elapsedMs: number,
): number | null {
  if (prevNs === undefined || nowNs === null || elapsedMs <= 0 || nowNs < prevNs) return null;
  return Math.round(((nowNs - prevNs) / (elapsedMs * 1e6)) * 1000) / 10;
}

/**
 * Spreads the work of host answers (rates, the 'poll' listeners: deltas, history, every client's
 * event) over the event loop's turns: at most about `vmsPerTurn` VMs' worth a turn (any one
 * answer always fits), the rest in later turns. Hosts answering together (a burst of a hundred
 * answers read at once) so never hold the loop for the whole burst: timers and the clients'
 * calls get their turn in between. Counted in VMs, not measured in time, so it behaves the same
 * on a loaded machine and under a test's clock; about 25 us a VM, 500 a turn is some 12 ms.
 */
export class TurnBudget {
  private readonly queue: Array<{ vms: number; go: () => void }> = [];
  /** VMs worked in this turn; null: none since the last turn began. */
  private spent: number | null = null;
  private drainScheduled = false;

  constructor(private readonly vmsPerTurn = 500) {}

  async run<T>(vms: number, work: () => T): Promise<T> {
    if (this.queue.length > 0 || !this.take(vms)) {
      await new Promise<void>((go) => {
        this.queue.push({ vms, go });
        if (!this.drainScheduled) {
          this.drainScheduled = true;
          setImmediate(this.drain);
        }
      });
    }
    return work();
  }

  /** Whether `vms` fit in this turn (the first work of a turn always does), taking them. */
  private take(vms: number): boolean {
    if (this.spent === null) {
      setImmediate(() => (this.spent = null));
      this.spent = vms;
      return true;
    }
    if (this.spent + vms > this.vmsPerTurn) return false;
    this.spent += vms;
    return true;
  }

  private readonly drain = (): void => {
    // Each one let go works in this turn's microtasks, right after this.
    while (this.queue.length > 0 && this.take(this.queue[0]!.vms)) this.queue.shift()!.go();
    this.drainScheduled = this.queue.length > 0;
    if (this.drainScheduled) setImmediate(this.drain);
  };
}

export class FleetPoller extends EventEmitter<FleetPollerEvents> {
  private readonly inFlight = new Map<string, Promise<HostPoll>>();
  private readonly previous = new Map<string, Previous>();
  private readonly subscribers = new Map<string, number>();
  /** One driver per host and connection, so per-host sessions survive between polls. */
  private readonly drivers = new Map<string, { ssh: SshConnection; driver: HypervisorDriver }>();
  /** Stops the running intervals. */
  private stopTimers: (() => void)[] = [];
  private readonly clock: PollerClock;
  private readonly turns = new TurnBudget();
  /** The cycle's hosts by step, read from the host list once a cycle. */
  private hostsByStep: string[][] = [];
  /** Hosts due in the cycle, waiting for one of its workers; `queued` holds the same names. */
  private readonly cycleQueue: string[] = [];
  private readonly queued = new Set<string>();
  private cycleWorkers = 0;

  constructor(private readonly options: FleetPollerOptions) {
    super();
    this.clock = options.clock ?? systemPollerClock;
  }

  /** Polls one host; a poll already running for it is shared, not repeated. */
  pollHost(host: string): Promise<HostPoll> {
    const running = this.inFlight.get(host);
    if (running) return running;
    const poll = this.runPoll(host).finally(() => this.inFlight.delete(host));
    this.inFlight.set(host, poll);
    return poll;
  }

  private async runPoll(host: string): Promise<HostPoll> {
    const driver = this.driver(host, await this.options.connections.get(host));
    const output = driver.pollOutput
      ? await driver.pollOutput()
      : await this.drivers.get(host)!.ssh.run(driver.pollArgv());
    // Parsed in the poller's turns too: a burst of answers must not parse them all in one turn.
    // The host's VMs at its last poll say what its answer weighs.
    return this.turns.run(this.previous.get(host)?.vmCount ?? 1, () => {
      const polled = driver.parsePoll(output);
      const at = this.clock.now();
      const result: HostPoll = { host, at, vms: this.withRates(host, at, polled) };
      this.emit('poll', result);
      return result;
    });
  }

  private driver(host: string, ssh: SshConnection): HypervisorDriver {
    const cached = this.drivers.get(host);
    if (cached?.ssh === ssh) return cached.driver;
    cached?.driver.dispose?.();
    const driver = this.options.driverFor(host, ssh);
    this.drivers.set(host, { ssh, driver });
    return driver;
  }

  private withRates(host: string, at: number, polled: PolledVm[]): VmSample[] {
    const prev = this.previous.get(host);
    const elapsed = prev ? at - prev.at : 0;
    // The host's map is updated in place: a new one per poll would outlive the young generation
    // (it is kept until the next poll), a thousand of them every cycle.
    const cpuTimeNs = prev?.cpuTimeNs ?? new Map<string, number>();
    let counted = 0;
    const vms = polled.map((vm) => {
      const percent = cpuPercent(cpuTimeNs.get(vm.name), vm.cpuTimeNs, elapsed);
      if (vm.cpuTimeNs === null) {
        cpuTimeNs.delete(vm.name);
      } else {
        cpuTimeNs.set(vm.name, vm.cpuTimeNs);
        counted++;
      }
      return { ...vm, cpuPercent: percent };
    });
    // Any entry beyond this poll's counters is a VM gone from the host.
    if (cpuTimeNs.size > counted) {
      const names = new Set(polled.map((vm) => vm.name));
      for (const name of cpuTimeNs.keys()) if (!names.has(name)) cpuTimeNs.delete(name);
    }
    // A host forgotten while its answer waited for its turn keeps nothing here.
    if (!this.drivers.has(host)) return vms;
    if (prev) Object.assign(prev, { at, vmCount: polled.length });
    else this.previous.set(host, { at, cpuTimeNs, vmCount: polled.length });
    return vms;
  }

  /** Polls every host, `concurrency` at a time; failures are reported per host, not thrown. */
  async pollAll(hosts: readonly string[]): Promise<Map<string, HostPoll | Error>> {
    const results = new Map<string, HostPoll | Error>();
    const queue = [...hosts];
    const worker = async () => {
      for (let host = queue.shift(); host !== undefined; host = queue.shift()) {
        results.set(host, await this.pollReporting(host));
      }
    };
    const workers = Math.min(this.options.concurrency ?? DEFAULT_CONCURRENCY, hosts.length);
    await Promise.all(Array.from({ length: workers }, worker));
    return results;
  }

  /** One host's poll, or its failure, reported as `hostError` and returned, not thrown. */
  private async pollReporting(host: string): Promise<HostPoll | Error> {
    try {
      return await this.pollHost(host);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.emit('hostError', { host, error });
      return error;
    }
  }

  /** Subscribed hosts are polled at the fast rate until every subscriber has left. */
  subscribe(host: string): () => void {
    this.subscribers.set(host, (this.subscribers.get(host) ?? 0) + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const count = (this.subscribers.get(host) ?? 1) - 1;
      if (count > 0) this.subscribers.set(host, count);
      else this.subscribers.delete(host);
    };
  }

  /**
   * Polls `hosts()` every `intervalMs`, and subscribed hosts every `fastIntervalMs`. Every host
   * at once when polling starts (the fleet shows at once); then each host in its own step of the
   * cycle (`spreadStep`). Polled all together, a thousand hosts' commands, answers and events
   * came in one burst each cycle, which held the machine (and a window on it) for a moment;
   * spread, the same work comes a little at a time. The cycle's polls share one bound
   * (`concurrency`), however many steps' hosts are still waiting.
   */
  start(hosts: () => string[], intervalMs = 10_000, fastIntervalMs = 2_000): void {
    this.stop();
    const steps = Math.max(1, Math.round(intervalMs / SPREAD_STEP_MS));
    let step = 0;
    const spread = () => {
      step++;
      const dueStep = step % steps;
      // Read once a cycle (the host list is a database read); a host added meanwhile is polled
      // when it is added, and in its step from the next cycle on.
      if (dueStep === 0) this.hostsByStep = byStep(hosts(), steps);
      // The first cycle polls the hosts of its second half only: each host's second poll then
      // comes half a cycle to a cycle and a half after the first, and a cycle apart from then on.
      if (step < steps && dueStep < steps / 2) return;
      // A watched host is polled at the fast rate; a poll of its own here would fall between two.
      this.queueCycle((this.hostsByStep[dueStep] ?? []).filter((h) => !this.subscribers.has(h)));
    };
    const fast = () => void this.pollAll([...this.subscribers.keys()]);
    const everyHost = hosts();
    this.hostsByStep = byStep(everyHost, steps);
    this.queueCycle(everyHost);
    this.stopTimers = [
      this.clock.every(intervalMs / steps, spread),
      this.clock.every(fastIntervalMs, fast),
    ];
  }

  stop(): void {
    for (const stopTimer of this.stopTimers) stopTimer();
    this.stopTimers = [];
    this.hostsByStep = [];
    this.cycleQueue.length = 0;
    this.queued.clear();
  }

  /** Queues the cycle's due hosts (a host still waiting is not queued twice) and starts workers. */
  private queueCycle(hosts: readonly string[]): void {
    for (const host of hosts) {
      if (this.queued.has(host)) continue;
      this.queued.add(host);
      this.cycleQueue.push(host);
    }
    const bound = this.options.concurrency ?? DEFAULT_CONCURRENCY;
    while (this.cycleWorkers < bound && this.cycleQueue.length > 0) {
      this.cycleWorkers++;
      void this.cycleWorker();
    }
  }

  private async cycleWorker(): Promise<void> {
    for (let host = this.cycleQueue.shift(); host !== undefined; host = this.cycleQueue.shift()) {
      this.queued.delete(host);
      await this.pollReporting(host);
    }
    this.cycleWorkers--;
  }

  /** A host removed from the fleet: its session is released and its last figures dropped. */
  forget(host: string): void {
    for (const hosts of [this.cycleQueue, ...this.hostsByStep]) {
      const at = hosts.indexOf(host);
      if (at >= 0) hosts.splice(at, 1);
    }
    this.queued.delete(host);
    this.drivers.get(host)?.driver.dispose?.();
    this.drivers.delete(host);
    this.previous.delete(host);
  }

  /** Stops polling and releases every per-host session. */
  dispose(): void {
    this.stop();
    for (const { driver } of this.drivers.values()) driver.dispose?.();
    this.drivers.clear();
  }
}
