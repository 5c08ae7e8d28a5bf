import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cpuPercent,
  FleetPoller,
  type PollerClock,
  spreadStep,
  TurnBudget,
} from '../../../app/main/fleet/fleet-poller.js';
import { HostConnections } from '../../../app/main/fleet/host-connections.js';
import type { HypervisorDriver, PolledVm } from '../../../app/main/hypervisors/driver.js';
import type { SshConnection } from '../../../app/main/ssh/ssh-connection.js';

const vm = (cpuTimeNs: number): PolledVm => ({
  name: 'a',
  uuid: null,
  state: 'running',
  vcpus: 1,
  memoryMiB: 128,
  maxMemoryMiB: 128,
  cpuTimeNs,
  diskReadBytes: null,
  diskWriteBytes: null,
  netRxBytes: null,
  netTxBytes: null,
});

/** Runs every callback that is ready: the polls' promise chains, not any timer. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Time that moves only when the test says: intervals fire in order as it advances. */
function fakeClock() {
  let now = 1_000_000;
  let intervals: { ms: number; next: number; tick: () => void }[] = [];
  const clock: PollerClock = {
    now: () => now,
    every(ms, tick) {
      const interval = { ms, next: now + ms, tick };
      intervals.push(interval);
      return () => {
        intervals = intervals.filter((i) => i !== interval);
      };
    },
  };
  return {
    clock,
    /** Moves time on by `ms`, firing each interval due on the way and letting its polls end. */
    async advance(ms: number) {
      const end = now + ms;
      await settle(); // what already started ends first
      for (;;) {
        const due = intervals.filter((i) => i.next <= end).sort((a, b) => a.next - b.next)[0];
        if (!due) break;
        now = due.next;
        due.next += due.ms;
        due.tick();
        await settle();
      }
      now = end;
    },
    get intervals() {
      return intervals.length;
    },
  };
}

/**
 * A poller over fake hosts. Each poll adds half a second of guest CPU; while `held` is set, polls
 * wait for `release()`, so a test sees which of them run at once.
 */
function setup({ held = false } = {}) {
  const time = fakeClock();
  const calls = new Map<string, number>();
  let running = 0;
  let peak = 0;
  let cpu = 0;
  let release!: () => void;
  const gate = held ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
  const connections = new HostConnections(() =>
    Promise.resolve({ isOpen: true, close() {} } as unknown as SshConnection),
  );
  const driverFor = (host: string) =>
    ({
      pollOutput: async () => {
        calls.set(host, (calls.get(host) ?? 0) + 1);
        running++;
        peak = Math.max(peak, running);
        await gate;
        running--;
        cpu += 500_000_000;
        return String(cpu);
      },
      parsePoll: (output: string) => [vm(Number(output))],
    }) as unknown as HypervisorDriver;
  return {
    poller: new FleetPoller({ connections, driverFor, concurrency: 3, clock: time.clock }),
    time,
    calls,
    running: () => running,
    peak: () => peak,
    release: () => release(),
  };
}

test('never two polls of one host at once: a second request shares the running poll', async () => {
  const { poller, calls, running, release } = setup({ held: true });
  const first = poller.pollHost('h1');
  await settle();
  assert.equal(running(), 1, 'the first poll is under way');
  const second = poller.pollHost('h1');
  release();
  const [a, b] = await Promise.all([first, second]);
  assert.equal(a, b);
  assert.equal(calls.get('h1'), 1);
});

test('hosts are polled in parallel up to the bound; failures are reported per host', async () => {
  const { poller, running, peak, release } = setup({ held: true });
  const errors: string[] = [];
  poller.on('hostError', ({ host }) => errors.push(host));
  const all = poller.pollAll(Array.from({ length: 10 }, (_, i) => `h${i}`));
  await settle();
  assert.equal(running(), 3, 'three polls run, the others wait for one to end');
  release();
  const results = await all;
  assert.equal(results.size, 10);
  assert.equal(peak(), 3);
  assert.deepEqual(errors, []);
});

test('CPU % comes from two samples; the first has none', async () => {
  const { poller, time } = setup();
  const first = await poller.pollHost('h1');
  assert.equal(first.vms[0]!.cpuPercent, null);
  await time.advance(500);
  const second = await poller.pollHost('h1');
  assert.equal(second.at - first.at, 500);
  assert.equal(second.vms[0]!.cpuPercent, 100, 'half a second of CPU in half a second');
  assert.equal(cpuPercent(1e9, 2e9, 1000), 100);
  assert.equal(cpuPercent(undefined, 2e9, 1000), null);
  assert.equal(cpuPercent(3e9, 2e9, 1000), null); // the VM restarted: counters went back
});

test('a VM missing from a poll starts its CPU % afresh when it is back', async () => {
  const time = fakeClock();
  const answers = [[vm(1e9)], [], [vm(2e9)], [vm(2.5e9)]];
  const connections = new HostConnections(() =>
    Promise.resolve({ isOpen: true, close() {} } as unknown as SshConnection),
  );
  const driverFor = () =>
    ({
      pollOutput: () => Promise.resolve(''),
      parsePoll: () => answers.shift()!,
    }) as unknown as HypervisorDriver;
  const poller = new FleetPoller({ connections, driverFor, clock: time.clock });
  const percents: (number | null | undefined)[] = [];
  for (let i = 0; i < 4; i++) {
    percents.push((await poller.pollHost('h1')).vms[0]?.cpuPercent);
    await time.advance(500);
  }
  assert.deepEqual(percents, [null, undefined, null, 100]);
});

/** A host name in step `step` of a cycle of `steps` (see spreadStep), so tests know its moment. */
const hostInStep = (step: number, steps: number, prefix = 'h') =>
  Array.from({ length: 1000 }, (_, i) => `${prefix}${i}`).find(
    (h) => spreadStep(h, steps) === step,
  )!;

test('subscribed hosts are polled at the fast rate, others once a cycle in their step', async () => {
  const { poller, time, calls } = setup();
  // A cycle of 1000 ms is 10 steps of 100 ms; the first cycle polls the steps of its second half.
  const watched = hostInStep(3, 10);
  const other = hostInStep(7, 10);
  const leave = poller.subscribe(watched);
  poller.start(() => [watched, other], 1000, 40);
  await time.advance(300);
  assert.equal(calls.get(watched), 8, 'at the start, then every 40 ms');
  assert.equal(calls.get(other), 1, 'at the start only: its step has not come');
  leave();
  await time.advance(700);
  assert.equal(calls.get(watched), 8, 'left: only in its step, which the first cycle skips');
  assert.equal(calls.get(other), 2, 'in its step (700 ms), in the second half of the first cycle');
  await time.advance(1000);
  assert.equal(calls.get(watched), 9, 'at 1300 ms');
  assert.equal(calls.get(other), 3, 'at 1700 ms');
  poller.dispose();
  assert.equal(time.intervals, 0, 'stopping ends both intervals');
});

test('a watched host is not polled in its step as well', async () => {
  const { poller, time, calls } = setup();
  const watched = hostInStep(2, 10);
  poller.subscribe(watched);
  poller.start(() => [watched], 1000, 400);
  await time.advance(3000);
  assert.equal(calls.get(watched), 8, 'at the start, then every 400 ms: never at 1200 or 2200 ms');
  poller.dispose();
});

test('each host is polled once a cycle at its own moment, the fleet spread over the cycle', async () => {
  const { poller, time, calls } = setup();
  const hosts = Array.from({ length: 200 }, (_, i) => `host-${i}`);
  const polledAt = new Map<string, number[]>();
  poller.on('poll', ({ host, at }) => polledAt.set(host, [...(polledAt.get(host) ?? []), at]));
  const started = 1_000_000; // the fake clock's start
  poller.start(() => hosts, 2000, 2000);
  await time.advance(0);
  assert.equal(calls.size, 200, 'every host at once when polling starts');
  // 20 steps of 100 ms a cycle: the polls of each step over the next three cycles.
  const perStep: number[] = [];
  const total = () => [...calls.values()].reduce((sum, n) => sum + n, 0);
  for (let step = 0; step < 60; step++) {
    const before = total();
    await time.advance(100);
    perStep.push(total() - before);
  }
  for (const host of hosts) {
    const [first, second, ...later] = polledAt.get(host)!;
    assert.equal(first, started);
    assert.ok(
      second! - first >= 1000 && second! - first < 3000,
      `${host}: its second poll half a cycle to a cycle and a half after the first`,
    );
    const gaps = later.map((at, i) => at - [second!, ...later][i]!);
    assert.ok(gaps.length >= 1 && gaps.every((gap) => gap === 2000), `${host} keeps its moment`);
  }
  // About 10 hosts a step on average; a hash spreads them unevenly, but never in a burst.
  assert.ok(Math.max(...perStep) <= 20, `at most 20 of 200 hosts in a step: ${perStep.join(' ')}`);
  poller.dispose();
});

test("the cycle's polls share one bound, however many steps' hosts wait", async () => {
  const { poller, time, running, peak, release } = setup({ held: true });
  const hosts = Array.from({ length: 50 }, (_, i) => `host-${i}`);
  poller.start(() => hosts, 1000, 1000);
  // The first polls hang: the start's hosts and three cycles' steps pile up behind them.
  await time.advance(3000);
  assert.equal(running(), 3, 'the bound (3 here), not a bound per step');
  release();
  await time.advance(0);
  assert.equal(peak(), 3);
  poller.dispose();
});

test('a host forgotten is not polled in its step, even in the cycle under way', async () => {
  const { poller, time, calls } = setup();
  const kept = hostInStep(6, 10);
  const gone = hostInStep(6, 10, 'g');
  const hosts = [kept, gone];
  poller.start(() => hosts, 1000, 1000);
  await time.advance(0);
  // As the fleet removes a host: forgotten by the poller, and gone from the host list.
  poller.forget(gone);
  hosts.pop();
  await time.advance(2000);
  assert.equal(calls.get(gone), 1, 'at the start only');
  assert.equal(calls.get(kept), 3, 'at the start, at 600 and at 1600 ms');
  poller.dispose();
});

test("a host's step comes from its name alone", () => {
  assert.equal(spreadStep('kvm-17.example.org', 100), spreadStep('kvm-17.example.org', 100));
  const steps = new Set(Array.from({ length: 1000 }, (_, i) => spreadStep(`h${i}`, 100)));
  assert.equal(steps.size, 100, 'a thousand hosts use every step of a hundred');
  assert.equal(spreadStep('any', 1), 0);
});

test("answers beyond a turn's budget of VMs wait for a later turn, in order", async () => {
  const turns = new TurnBudget(100);
  const ran: string[] = [];
  const work = (name: string) => () => ran.push(name);
  const big = turns.run(500, work('big')); // the first of a turn always fits
  const later = [turns.run(60, work('a')), turns.run(30, work('b')), turns.run(20, work('c'))];
  assert.deepEqual(ran, ['big'], 'the turn is spent: the others wait, in order');
  await settle();
  assert.deepEqual(ran, ['big', 'a', 'b'], 'a later turn takes what fits');
  await settle();
  assert.deepEqual(ran, ['big', 'a', 'b', 'c']);
  assert.deepEqual(await Promise.all([big, ...later]), [1, 2, 3, 4]);
  await assert.rejects(
    turns.run(1, () => {
      throw new Error('listener failed');
    }),
    /listener failed/,
  );
});
