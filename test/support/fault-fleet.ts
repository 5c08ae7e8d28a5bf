// ConVirt as the fault tests drive it: the whole app (openConvirt) polling every second with
// its hostPolled events recorded, or an engine of its own parts (connections with a short
// backoff, poller, provisioning) over one host of the test bed.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HostPolled } from '../../app/shared/contract/convirt-contract.js';
import { openConvirt } from '../../app/main/backend/open-convirt.js';
import { loadConfig } from '../../app/main/config/index.js';
import { HostConnections } from '../../app/main/fleet/host-connections.js';
import { FleetPoller } from '../../app/main/fleet/fleet-poller.js';
import { ImageStore, REPOSITORY_STORE } from '../../app/main/image-store/image-store.js';
import { Inventory } from '../../app/main/inventory/index.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { ChecksumCache } from '../../app/main/provisioning/checksums.js';
import { ProvisioningService } from '../../app/main/provisioning/provisioning-service.js';
import { TaskRunner } from '../../app/main/tasks/task-runner.js';
import { waitFor } from '../bed/process.js';
import type { TestbedInfo } from '../bed/testbed.js';
import { connectToTestbed } from './testbed.js';

/** ConVirt opened on `dataDir`, polling every second; its hostPolled events in `polled`. */
export function polledConvirt(work: string, dataDir = join(work, 'data')) {
  mkdirSync(dataDir, { recursive: true });
  const convirt = openConvirt({
    dataDir,
    config: loadConfig({ flag: '/dev/null' }),
    home: work,
    mode: 'browser',
    version: 'test',
    localTerminal: false,
    polling: { pollIntervalMs: 1_000, fastPollIntervalMs: 1_000 },
  });
  const polled: HostPolled[] = [];
  const session = convirt.backend.attach((event, payload) => {
    if (event === 'hostPolled') polled.push(payload as HostPolled);
  });
  /** Waits for a poll of `status` after `from` events; returns it. */
  const next = (status: HostPolled['status'], from: number, timeoutMs = 60_000) =>
    waitFor(
      `the host to be ${status}`,
      () => polled.slice(from).find((p) => p.status === status),
      timeoutMs,
      100,
    );
  const close = () => {
    session.close();
    convirt.close();
  };
  return { service: session.service, polled, next, dataDir, close };
}

export interface FaultEngineOptions {
  dataDir: string;
  /** The sshd port ConVirt reaches the bed's host through (its own, or a relay's). */
  port: number;
  /** An image store holding the test's own appliances (ownAppliance). */
  store: string;
  /** The bridge the appliances' VMs are defined on. */
  bridge: string;
}

/** A ConVirt engine of its own over one host `tb` of the test bed. */
export function faultEngine(bed: TestbedInfo, o: FaultEngineOptions) {
  mkdirSync(o.dataDir, { recursive: true });
  const inventory = Inventory.open({ dataDir: o.dataDir });
  const host = inventory.hosts.add({
    name: 'tb',
    address: '127.0.0.1',
    port: o.port,
    username: bed.sshd.username,
    hypervisor: 'kvm',
  });
  // Keepalives every 500 ms (3 missed: the connection is dead) so a cut shows in seconds.
  const connections = new HostConnections(
    () => connectToTestbed(bed, { port: o.port, keepaliveIntervalMs: 500, readyTimeoutMs: 3_000 }),
    { initialMs: 1_000, maxMs: 4_000 },
  );
  const poller = new FleetPoller({ connections, driverFor: (_h, ssh) => new KvmDriver(ssh) });
  const tasks = new TaskRunner(inventory.tasks, inventory.audit);
  const provisioning = new ProvisioningService({
    store: new ImageStore({ stores: [REPOSITORY_STORE, o.store] }),
    tasks,
    checksums: new ChecksumCache(),
    host: () => host,
    connect: (name) => connections.get(name),
    hostPaths: { imageCache: `${bed.imagesDir}/${bed.prefix}image-cache` },
  });
  const provision = (appliance: string, name: string) =>
    provisioning.provision({ appliance, host: 'tb', name, params: { bridge: o.bridge } });
  /** Calls `fault` once the task runs provision.sh. */
  const onProvisionScript = (taskId: string, fault: () => void) =>
    tasks.on('update', (update) => {
      if (update.id === taskId && update.message === 'Running provision.sh') fault();
    });
  const log = (id: string) =>
    inventory.tasks
      .log(id)
      .map((e) => e.text)
      .join('\n');
  const close = () => {
    poller.dispose();
    connections.closeAll();
    inventory.close();
  };
  return { inventory, connections, poller, tasks, provision, onProvisionScript, log, close };
}

/** What the bed's images folder holds for `name`, and its domain if it is defined. */
export async function leftovers(bed: TestbedInfo, name: string): Promise<string[]> {
  const ssh = await connectToTestbed(bed);
  try {
    const names = (await ssh.run(['ls', '-a', bed.imagesDir])).split('\n');
    const vm = await new KvmDriver(ssh).exists(name);
    return [...names.filter((n) => n.includes(name)), ...(vm ? [`domain ${name}`] : [])];
  } finally {
    ssh.close();
  }
}

/** Undefines a VM a provisioning made and removes its disks. */
export async function removeProvisioned(
  bed: TestbedInfo,
  made: { name: string; disks: readonly string[] },
): Promise<void> {
  const ssh = await connectToTestbed(bed);
  try {
    await new KvmDriver(ssh).undefine(made.name);
    await ssh.run(['rm', '-f', ...made.disks]);
  } finally {
    ssh.close();
  }
}
