import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuPercent, FleetPoller } from '../../../app/main/fleet/fleet-poller.js';
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

function setup(pollDelayMs = 0) {
  const calls = new Map<string, number>();
  let running = 0;
  let peak = 0;
  let cpu = 0;
  const connections = new HostConnections(() =>
    Promise.resolve({ isOpen: true, close() {} } as unknown as SshConnection),
  );
  const driverFor = (host: string) =>
    ({
      poll: async () => {
        calls.set(host, (calls.get(host) ?? 0) + 1);
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, pollDelayMs));
        running--;
        cpu += 500_000_000; // half a second of guest CPU per poll
        return [vm(cpu)];
      },
    }) as unknown as HypervisorDriver;
  return {
    poller: new FleetPoller({ connections, driverFor, concurrency: 3 }),
    calls,
    peak: () => peak,
  };
}

test('never two polls of one host at once: a second request shares the running poll', async () => {
  const { poller, calls } = setup(20);
  const [a, b] = await Promise.all([poller.pollHost('h1'), poller.pollHost('h1')]);
  assert.equal(a, b);
  assert.equal(calls.get('h1'), 1);
});

test('hosts are polled in parallel up to the bound; failures are reported per host', async () => {
  const { poller, peak } = setup(10);
  const errors: string[] = [];
  poller.on('hostError', ({ host }) => errors.push(host));
  const results = await poller.pollAll(Array.from({ length: 10 }, (_, i) => `h${i}`));
  assert.equal(results.size, 10);
  assert.equal(peak(), 3);
  assert.deepEqual(errors, []);
});

test('CPU % comes from two samples; the first has none', async () => {
  const { poller } = setup();
  const first = await poller.pollHost('h1');
  assert.equal(first.vms[0]!.cpuPercent, null);
  await new Promise((r) => setTimeout(r, 50));
  const second = await poller.pollHost('h1');
  assert.ok(
    (second.vms[0]!.cpuPercent ?? 0) > 100,
    'half a second of CPU in ~50 ms is well over one core',
  );
  assert.equal(cpuPercent(1e9, 2e9, 1000), 100);
  assert.equal(cpuPercent(undefined, 2e9, 1000), null);
  assert.equal(cpuPercent(3e9, 2e9, 1000), null); // the VM restarted: counters went back
});

test('subscribed hosts are polled at the fast rate, others at the slow one', async (t) => {
  const { poller, calls } = setup();
  t.after(() => poller.dispose());
  const leave = poller.subscribe('watched');
  poller.start(() => ['watched', 'other'], 1000, 40);
  await new Promise((r) => setTimeout(r, 300));
  leave();
  assert.ok((calls.get('watched') ?? 0) >= 4, `watched polled ${calls.get('watched')} times`);
  assert.equal(calls.get('other'), 1);
});
