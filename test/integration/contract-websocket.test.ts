// The contract over browser mode's real WebSocket against the real test bed: add the bed's host
// (unknown key first, then confirmed), see the tiny VM in getFleet, run actions as tasks whose
// progress arrives as events, and bad input refused with nothing run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import type { ConvirtContract } from '../../app/shared/contract/convirt-contract.js';
import { ContractError } from '../../app/shared/contract/define.js';
import type { SocketClient } from '../../app/shared/contract/socket-client.js';
import type { Task } from '../../app/shared/domain/inventory.js';
import {
  contractClient,
  signIn,
  startTestBrowserMode,
  type TestBrowserMode,
} from '../support/browser-mode.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm } from '../support/tiny-vm.js';
import { filesHolding } from '../support/data-folder.js';

const bed = testbed();
const vm = `${bed.prefix}ws`;
const host = 'tb';

/** Resolves with the first event payload that `match` accepts. */
function nextEvent<E extends 'taskUpdated' | 'hostPolled' | 'taskLog' | 'fleetChanged'>(
  client: SocketClient<ConvirtContract>,
  event: E,
  match: (payload: Parameters<Parameters<typeof client.on<E>>[1]>[0]) => boolean,
) {
  return new Promise<Parameters<Parameters<typeof client.on<E>>[1]>[0]>((resolve) => {
    const off = client.on(event, (payload) => {
      if (!match(payload)) return;
      off();
      resolve(payload);
    });
  });
}

async function contractError(promise: Promise<unknown>): Promise<ContractError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ContractError, String(err));
    return err;
  }
  assert.fail('expected a ContractError');
}

test('the contract over a WebSocket drives the test bed', { timeout: 240_000 }, async (t) => {
  const ssh = await connectToTestbed(bed);
  const virsh = new KvmDriver(ssh);
  const disk = await defineTinyVm(ssh, bed, vm, 'wsvm');
  // Filled in below; the cleanup hook is registered first so it runs whatever fails.
  const held: { server?: TestBrowserMode; client?: SocketClient<ConvirtContract> } = {};
  t.after(async () => {
    try {
      held.client?.disconnect();
      await held.server?.stop();
      if (await virsh.exists(vm)) {
        if ((await virsh.state(vm)) !== 'shutoff') await virsh.destroy(vm);
        await ssh.run(['virsh', '-q', 'undefine', vm, '--snapshots-metadata']);
      }
      await ssh.run(['rm', '-f', disk]);
    } finally {
      ssh.close();
    }
  });
  const server = (held.server = await startTestBrowserMode());
  const c = (held.client = await contractClient(server, await signIn(server)));
  const addInput = {
    name: host,
    address: '127.0.0.1',
    port: bed.sshd.port,
    username: bed.sshd.username,
    authMethod: 'key' as const,
    identityFile: bed.sshd.clientKeyPath,
    group: 'Lab/Rack 1',
  };

  await t.test(
    'an unknown host key is refused with its fingerprint; nothing is stored',
    async () => {
      const err = await contractError(c.addHost(addInput));
      assert.equal(err.data.code, 'host-key-unknown');
      assert.equal(err.data.fingerprint, bed.sshd.hostKeyFingerprint);
      const fleet = await c.getFleet();
      assert.deepEqual(fleet.hosts, []);
      assert.deepEqual(fleet.groups, [], 'the pool is not created for a refused host');
    },
  );

  await t.test('with the confirmed fingerprint the host is added, KVM detected', async () => {
    const changed = nextEvent(c, 'fleetChanged', () => true);
    const view = await c.addHost({ ...addInput, acceptFingerprint: bed.sshd.hostKeyFingerprint });
    assert.equal(view.hypervisor, 'kvm');
    assert.equal(view.hostKeyFingerprint, bed.sshd.hostKeyFingerprint);
    assert.ok(view.facts && view.facts.cpuCount >= 1);
    await changed;
    const fleet = await c.getFleet();
    assert.deepEqual(
      fleet.groups.map((g) => g.name),
      ['Lab', 'Rack 1'],
    );
    assert.equal(fleet.hosts[0]!.groupId, fleet.groups[1]!.id);
  });

  await t.test('a key passphrase is asked through the contract and never stored', async () => {
    const key = join(server.dir, 'locked_ed25519');
    const passphrase = 'open sesame 42';
    const gen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', key]);
    assert.equal(gen.status, 0);
    appendFileSync(join(bed.sshd.dir, 'authorized_keys'), readFileSync(`${key}.pub`));
    const offAsked = c.on('secretRequested', (request) => {
      assert.equal(request.kind, 'passphrase');
      assert.equal(request.prompt, key);
      void c.answerSecret(request.requestId, passphrase);
    });
    const view = await c.addHost({
      ...addInput,
      name: 'tb-locked',
      identityFile: key,
      group: undefined,
      acceptFingerprint: bed.sshd.hostKeyFingerprint,
    });
    offAsked();
    assert.equal(view.name, 'tb-locked');
    await c.removeHost('tb-locked');
    const dataDir = join(server.dir, 'data');
    assert.deepEqual(filesHolding(dataDir, passphrase), [], 'no file holds the passphrase');
  });

  await t.test('bad input is refused and runs nothing', async () => {
    const before = (await c.listTasks()).length;
    const bad = await contractError(c.vmAction({ host, vm: 'no such;vm' }, 'start'));
    assert.equal(bad.data.code, 'invalid-input');
    assert.equal(bad.data.field, 'vmAction#1.vm');
    const unknownAction = await contractError(
      c.vmAction({ host, vm }, 'explode' as unknown as 'start'),
    );
    assert.equal(unknownAction.data.code, 'invalid-input');
    const bulk = await contractError(
      c.bulkVmAction(
        [
          { host, vm },
          { host: 'no-such-host', vm },
        ],
        'start',
      ),
    );
    assert.equal(bulk.data.code, 'invalid-input');
    const missing = await contractError(c.vmAction({ host, vm: `${bed.prefix}missing` }, 'start'));
    assert.equal(missing.data.code, 'invalid-input');
    assert.match(missing.data.message, /has no VM named/);
    const bulkMissing = await contractError(
      c.bulkVmAction(
        [
          { host, vm },
          { host, vm: `${bed.prefix}missing` },
        ],
        'start',
      ),
    );
    assert.equal(bulkMissing.data.field, 'vm');
    assert.equal((await c.listTasks()).length, before, 'no task was created');
    assert.equal(await virsh.state(vm), 'shutoff');
  });

  await t.test('vmAction starts a task at once; taskUpdated follows it to succeeded', async () => {
    const updates: Task[] = [];
    const logs: string[] = [];
    const offUpdates = c.on('taskUpdated', (task) => updates.push(task));
    const offLogs = c.on('taskLog', ({ entries }) => logs.push(...entries.map((e) => e.text)));
    const running = nextEvent(c, 'hostPolled', (p) =>
      Boolean(p.changedVms?.some((v) => v.name === vm && v.state === 'running')),
    );
    const started = await c.vmAction({ host, vm }, 'start');
    assert.equal(started.kind, 'vm.start');
    assert.equal(started.target, `${host}/${vm}`);
    assert.notEqual(started.status, 'succeeded', 'the call does not wait for the task');
    const done = await nextEvent(
      c,
      'taskUpdated',
      (task) => task.id === started.id && task.status !== 'running' && task.status !== 'queued',
    );
    offUpdates();
    offLogs();
    assert.equal(done.status, 'succeeded', done.error ?? '');
    assert.deepEqual(
      [...new Set(updates.filter((u) => u.id === started.id).map((u) => u.status))],
      ['running', 'succeeded'],
    );
    assert.ok(
      logs.some((line) => line.includes('virsh') && line.includes('start')),
      logs.join('\n'),
    );
    await running;
    const fleet = await c.getFleet();
    const row = fleet.vms.find((v) => v.name === vm);
    assert.equal(row?.state, 'running');
    assert.equal(row?.host, host);
    assert.equal(fleet.hosts[0]!.status, 'connected');
  });

  await t.test('vmDetails reads the definition', async () => {
    const details = await c.vmDetails({ host, vm });
    assert.equal(details.state, 'running');
    assert.equal(details.hasGuestAgentChannel, true);
    assert.equal(details.autostart, false);
    assert.equal(details.isoPath, null);
    assert.deepEqual(details.snapshots, []);
  });

  await t.test('a task log can be read back; force off ends as shutoff', async () => {
    const task = await c.vmAction({ host, vm }, 'destroy');
    await nextEvent(c, 'taskUpdated', (u) => u.id === task.id && u.status === 'succeeded');
    const log = await c.taskLog(task.id);
    assert.ok(log.some((e) => e.stream === 'command' && e.text.includes('destroy')));
    assert.equal(await virsh.state(vm), 'shutoff');
  });
});
