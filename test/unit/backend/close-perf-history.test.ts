// Stopping ConVirt writes the performance points still held in memory before it is done: a front
// end that awaits closeAsync() may then exit or remove its data folder with nothing lost.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { openConvirt } from '../../../app/main/backend/open-convirt.js';
import { PerfHistoryStore } from '../../../app/main/fleet/perf-history.js';
import type { VmSample } from '../../../app/shared/domain/vm.js';
import { tempDir } from '../inventory/temp-inventory.js';

const vm: VmSample = {
  name: 'web',
  uuid: null,
  state: 'running',
  vcpus: 1,
  memoryMiB: 256,
  maxMemoryMiB: 256,
  cpuTimeNs: 1,
  cpuPercent: 5,
  diskReadBytes: null,
  diskWriteBytes: null,
  netRxBytes: null,
  netTxBytes: null,
};

/** A loopback port nothing listens on: the host's facts are refused at once. */
async function refusingPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

test('closeAsync resolves once the newest performance points are on disk', async (t) => {
  const dir = tempDir(t);
  const convirt = openConvirt({
    dataDir: dir,
    home: dir,
    mode: 'browser',
    version: 'test',
    localTerminal: false,
    polling: { pollIntervalMs: 3_600_000, fastPollIntervalMs: 3_600_000 },
  });
  convirt.inventory.hosts.add({
    name: 'h',
    address: '127.0.0.1',
    port: await refusingPort(),
    username: 'root',
    hypervisor: 'kvm',
  });
  // The poll's point stays in memory until the next poll step, or until ConVirt stops.
  convirt.fleet.poller.emit('poll', { host: 'h', at: 1_000, vms: [vm] });

  await convirt.closeAsync();
  const written = new PerfHistoryStore(join(dir, 'perf-history'));
  assert.deepEqual(
    (await written.vmHistory('h', 'web')).points.map((p) => [p.at, p.cpuPercent]),
    [[1_000, 5]],
  );
  // close() after closeAsync() (a front end's error path) does nothing more.
  convirt.close();
});
