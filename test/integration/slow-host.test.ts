// Hosts that answer slowly or not at all, through the test bed's real sshd: a slow login shell
// (sshd's slow-login port sleeps before every command), virsh that does not start in time, and a
// host that accepts TCP but never speaks SSH. Each waits or fails on its own with a clear reason,
// every other host is polled on, and no promise goes unhandled (test/run.ts's preload).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeSimulatedHosts } from '../../bench/simulated-fleet.js';
import { FleetPoller } from '../../app/main/fleet/fleet-poller.js';
import { HostConnections } from '../../app/main/fleet/host-connections.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { VirshSession } from '../../app/main/hypervisors/kvm/virsh-session.js';
import { DEFAULT_SLOW_LOGIN_SECONDS } from '../bed/sshd.js';
import { connectToTestbed, testbed } from '../support/testbed.js';

const bed = testbed();
const dir = mkdtempSync(join(bed.runDir, 'slow-host-'));
const uris = writeSimulatedHosts(dir, 4, 5);
const FAST = ['sim1', 'sim2', 'sim3'];
const SLOW = 'sim0';

function slowLogin(seconds: number): void {
  writeFileSync(bed.sshd.slowLoginSecondsFile, `${seconds}\n`);
}

/** sim0 logs in through the slow-login port; the others as usual. */
function fleet(
  open = (host: string) =>
    connectToTestbed(bed, host === SLOW ? { port: bed.sshd.slowLoginPort } : {}),
) {
  // A long backoff: the last check below runs within it, however slow this machine is.
  const connections = new HostConnections(open, { initialMs: 120_000, maxMs: 120_000 });
  const poller = new FleetPoller({
    connections,
    driverFor: (host, ssh) => new KvmDriver(ssh, { uri: uris.get(host)! }),
    concurrency: 4,
  });
  return { connections, poller };
}

test('a host with a slow login shell is polled late; the others are not held back', async (t) => {
  slowLogin(6);
  const { connections, poller } = fleet();
  t.after(() => {
    slowLogin(DEFAULT_SLOW_LOGIN_SECONDS);
    poller.dispose();
    connections.closeAll();
  });
  const order: string[] = [];
  poller.on('poll', ({ host }) => order.push(host));
  const results = await poller.pollAll([SLOW, ...FAST]);
  for (const [host, result] of results) {
    if (result instanceof Error) assert.fail(`${host}: ${result.message}`);
    assert.equal(result.vms.length, 5, host);
  }
  assert.equal(order.at(-1), SLOW, `poll order: ${order.join(', ')}`);
  // Its session is open now: the next poll does not wait for a login shell again.
  const again = await poller.pollHost(SLOW);
  assert.equal(again.vms.length, 5);
});

test('virsh that does not start in time fails its own host with the reason; the others answer', async (t) => {
  slowLogin(10);
  const ssh = await connectToTestbed(bed, { port: bed.sshd.slowLoginPort });
  const fast = await connectToTestbed(bed);
  const argv = (host: string) => ['virsh', '-q', '-c', uris.get(host)!];
  const slowSession = new VirshSession(ssh, argv(SLOW), { startMs: 4_000 });
  const fastSessions = FAST.map((host) => new VirshSession(fast, argv(host)));
  t.after(() => {
    slowLogin(DEFAULT_SLOW_LOGIN_SECONDS);
    for (const s of [slowSession, ...fastSessions]) s.close();
    ssh.close();
    fast.close();
  });
  const [slow, ...others] = await Promise.allSettled([
    slowSession.run(['list --all --name']),
    ...fastSessions.map((s) => s.run(['list --all --name'])),
  ]);
  assert.ok(slow?.status === 'rejected');
  assert.match(String(slow.reason), /VirshSessionError: virsh on .*:\d+ did not start within 4 s/);
  for (const other of others) {
    if (other.status === 'rejected') assert.fail(String(other.reason));
    assert.match(other.value, /-vm0/);
  }
  // Once the host's login is quick again, the same session starts afresh and answers.
  slowLogin(0);
  assert.match(await slowSession.run(['list --all --name']), /h0-vm0/);
});

test('a host that accepts TCP but never speaks SSH fails to connect; the others are polled', async (t) => {
  const held: Socket[] = [];
  const silent = createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const silentPort = (silent.address() as { port: number }).port;
  const { connections, poller } = fleet((host) =>
    connectToTestbed(bed, host === SLOW ? { port: silentPort, readyTimeoutMs: 3_000 } : {}),
  );
  t.after(() => {
    poller.dispose();
    connections.closeAll();
    for (const socket of held) socket.destroy();
    silent.close();
  });
  const errors: string[] = [];
  poller.on('hostError', ({ host, error }) => errors.push(`${host}: ${error.message}`));
  const results = await poller.pollAll([SLOW, ...FAST]);
  const failed = results.get(SLOW);
  assert.ok(failed instanceof Error);
  assert.match(failed.message, /Cannot connect to .*:\d+: Timed out while waiting for handshake/);
  assert.deepEqual(errors, [`${SLOW}: ${failed.message}`]);
  for (const host of FAST) assert.equal((results.get(host) as { vms: unknown[] }).vms.length, 5);
  // Within its backoff, the silent host fails at once with the reason and the next attempt's time.
  await assert.rejects(poller.pollHost(SLOW), /is unreachable \(Cannot connect .*\); next attempt/);
});
