// Migration between the test bed's two KVM hosts (the machine's libvirtd, and the second host
// in its own namespaces), through convirtctl: the tiny VM moved live with shared storage and
// with its disk copied while a process in it keeps counting (the guest agent answers on the
// target, same boot), moved offline, refused for failed checks, and a live migration whose
// target is cut off mid-way leaving the VM running on the source and nothing on the target.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { MigrationPlan } from '../../app/shared/domain/migration.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import type { SecondKvmHostInfo } from '../bed/second-kvm-host.js';
import { runLocal } from '../bed/process.js';
import {
  convirtctlRunner,
  taskLogText,
  testbedHostAdd,
  type CtlRun,
  type TaskJson,
} from '../support/convirtctl-runner.js';
import { connectToSecondKvmHost, connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm, removeVm } from '../support/tiny-vm.js';

const bed = testbed();
const home = join(bed.runDir, 'migration-home');
const dataDir = join(bed.runDir, 'migration-data');
const ctl = convirtctlRunner({ home, dataDir });

function secondHost(): SecondKvmHostInfo {
  const second = bed.secondKvmHost;
  if ('unavailable' in second) throw new Error(`No second KVM host: ${second.unavailable}`);
  return second;
}

const json = <T>(r: CtlRun): T => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};

/** Runs a shell command inside the guest through its agent; returns its standard output. */
async function guestRun(virsh: KvmDriver, vm: string, script: string): Promise<string> {
  const { pid } = (await virsh.agentCommand(vm, 'guest-exec', {
    path: '/bin/sh',
    arg: ['-c', script],
    'capture-output': true,
  })) as { pid: number };
  for (let i = 0; i < 50; i++) {
    const status = (await virsh.agentCommand(vm, 'guest-exec-status', { pid })) as {
      exited: boolean;
      'out-data'?: string;
    };
    if (status.exited) return Buffer.from(status['out-data'] ?? '', 'base64').toString();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`guest command did not end: ${script}`);
}

/** The counter and the boot the guest is in (its boot_id changes on every boot). */
async function counter(virsh: KvmDriver, vm: string): Promise<{ count: number; boot: string }> {
  const out = await guestRun(virsh, vm, 'cat /tmp/count /proc/sys/kernel/random/boot_id');
  const [count, boot] = out.trim().split('\n');
  return { count: Number(count), boot: boot! };
}

async function agentAnswers(virsh: KvmDriver, vm: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await virsh.agentConnected(vm))) {
    if (Date.now() > deadline) throw new Error(`${vm}'s guest agent did not answer`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

test('VMs move between the two KVM hosts', { timeout: 1_500_000 }, async (t) => {
  const second = secondHost();
  mkdirSync(join(home, '.ssh'), { recursive: true });
  const a = await connectToTestbed(bed);
  const b = await connectToSecondKvmHost(second);
  const virshA = new KvmDriver(a);
  const virshB = new KvmDriver(b);
  const made: string[] = [];
  t.after(async () => {
    for (const vm of made) {
      await removeVm(virshA, vm).catch(() => undefined);
      await removeVm(virshB, vm).catch(() => undefined);
    }
    await runLocal('ip', ['link', 'set', second.hostInterface, 'up']);
    a.close();
    b.close();
    rmSync(home, { recursive: true, force: true });
  });

  assert.equal(
    json<{ host: { name: string } }>(
      await ctl([
        ...testbedHostAdd(bed, 'a', ['--json', '--accept-host-key', bed.sshd.hostKeyFingerprint]),
      ]),
    ).host.name,
    'a',
  );
  const added = await ctl([
    'host',
    'add',
    'b',
    '--address',
    second.address,
    '--user',
    'root',
    '--identity',
    second.clientKeyPath,
    '--accept-host-key',
    second.hostKeyFingerprint,
    '--json',
  ]);
  assert.equal(added.code, 0, added.stderr);

  /** A running tiny VM on host a whose disk is in `dir`, counting in /tmp/count. */
  const runningVm = async (name: string, dir?: string) => {
    made.push(name);
    await defineTinyVm(a, dir ? { ...bed, imagesDir: dir } : bed, name);
    await virshA.start(name);
    await agentAnswers(virshA, name);
    await guestRun(
      virshA,
      name,
      'i=0; while :; do echo $i > /tmp/count; i=$((i+1)); sleep 1; done >/dev/null 2>&1 &',
    );
    return counter(virshA, name);
  };

  /** `--check-only`: exit 0 when every check passes, 2 when one fails; the plan either way. */
  const plan = async (args: string[]) => {
    const r = await ctl(['vm', 'migrate', ...args, '--check-only', '--json']);
    assert.ok(r.code === 0 || r.code === 2, r.stderr);
    return JSON.parse(r.stdout) as MigrationPlan;
  };

  const migrate = async (args: string[]) => {
    const r = await ctl(['vm', 'migrate', ...args, '--json']);
    return { r, task: r.stdout ? (JSON.parse(r.stdout) as TaskJson) : null };
  };

  /** The VM runs on b, the same boot, still counting; nothing of it is left on a. */
  const arrived = async (name: string, before: { count: number; boot: string }) => {
    assert.equal(await virshB.state(name), 'running');
    assert.equal(await virshA.exists(name), false, 'undefined on the source');
    const after = await counter(virshB, name);
    assert.equal(after.boot, before.boot, 'the guest did not reboot');
    assert.ok(after.count > before.count, `counting went on: ${before.count} -> ${after.count}`);
    const vms = json<Array<{ host: string; name: string }>>(
      await ctl(['vm', 'list', '--json']),
    ).filter((v) => v.name === name);
    assert.deepEqual(
      vms.map((v) => v.host),
      ['b'],
    );
  };

  await t.test('live, shared storage: the disk stays in the folder both hosts see', async () => {
    const vm = `${bed.prefix}mig-shared`;
    const before = await runningVm(vm, second.sharedDir);
    const check = await plan([`a/${vm}`, 'b']);
    assert.equal(check.ok, true, JSON.stringify(check.checks));
    assert.equal(check.storage, 'shared');
    assert.equal(check.mode, 'live');
    const { r, task } = await migrate([`a/${vm}`, 'b', '--live']);
    assert.equal(r.code, 0, `${r.stderr}\n${task ? await taskLogText(ctl, task.id) : ''}`);
    const log = await taskLogText(ctl, task!.id);
    assert.match(log, /migrated in \d+ ms, downtime \d+ ms/);
    await arrived(vm, before);
    assert.equal(
      (await virshB.document(vm)).disks()[0]!.source,
      join(second.sharedDir, `${vm}.qcow2`),
    );
  });

  await t.test('live with the disk copied: the target gets its own copy', async () => {
    const vm = `${bed.prefix}mig-copy`;
    const before = await runningVm(vm);
    const disk = join(bed.imagesDir, `${vm}.qcow2`);
    const { r, task } = await migrate([`a/${vm}`, 'b', '--copy-storage']);
    assert.equal(r.code, 0, `${r.stderr}\n${task ? await taskLogText(ctl, task.id) : ''}`);
    await arrived(vm, before);
    assert.equal((await b.exec(['test', '-f', disk])).code, 0, 'copied to b');
    assert.equal((await a.exec(['test', '-e', disk])).code, 1, 'removed from a');
    // The data disk's file, read through the guest on b: the copy is whole.
    assert.match(
      await guestRun(virshB, vm, 'cat /mnt/data/hello.txt'),
      /convirt tiny vm data disk/,
    );
  });

  await t.test('offline: disks copied over SSH, defined on b, removed from a', async () => {
    const vm = `${bed.prefix}mig-offline`;
    made.push(vm);
    const disk = await defineTinyVm(a, bed, vm);
    const { r, task } = await migrate([`a/${vm}`, 'b']);
    assert.equal(r.code, 0, `${r.stderr}\n${task ? await taskLogText(ctl, task.id) : ''}`);
    assert.match(await taskLogText(ctl, task!.id), /SHA-256 [0-9a-f]{64} on both hosts/);
    assert.equal(await virshB.state(vm), 'shutoff');
    assert.equal(await virshA.exists(vm), false);
    assert.equal((await a.exec(['test', '-e', disk])).code, 1);
    await virshB.start(vm);
    await agentAnswers(virshB, vm);
  });

  await t.test('refused for each failed check, nothing moved', async () => {
    const vm = `${bed.prefix}mig-refused`;
    made.push(vm);
    await defineTinyVm(a, bed, vm);
    const refused = async (args: string[], check: string) => {
      const checked = await plan([`a/${vm}`, 'b', ...args]);
      assert.equal(checked.ok, false);
      const failed = checked.checks.filter((c) => !c.ok).map((c) => c.name);
      assert.ok(failed.includes(check), `${check} among ${failed.join(', ')}`);
      const r = await ctl(['vm', 'migrate', `a/${vm}`, 'b', ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${check}: `));
      assert.equal(await virshA.exists(vm), true);
    };
    await refused(['--live'], 'state');
    await refused(['--target-address', '127.0.0.1', '--live'], 'reach');
    // A VM of that name on b.
    await defineTinyVm(b, { ...bed, imagesDir: second.sharedDir }, vm);
    await refused([], 'name');
    await virshB.undefine(vm);
    // More memory than b has free, then a bridge b lacks (libvirt's own XML, edited).
    const xml = await a.run(['virsh', '-q', '-c', 'qemu:///system', 'dumpxml', '--inactive', vm]);
    const edited = (from: RegExp, to: string) => {
      assert.match(xml, from);
      return virshA.define(xml.replace(from, to));
    };
    await edited(/<memory unit='KiB'>\d+<\/memory>/, "<memory unit='KiB'>1073741824</memory>");
    await refused([], 'memory');
    await edited(/<interface type='user'>/, "<interface type='bridge'><source bridge='cvnobr0'/>");
    await refused([], 'networks');
    await virshA.define(xml);
    // Shared disks cannot be copied onto themselves.
    const shared = `${bed.prefix}mig-shared-copy`;
    made.push(shared);
    await defineTinyVm(a, { ...bed, imagesDir: second.sharedDir }, shared);
    const copied = await plan([`a/${shared}`, 'b', '--copy-storage']);
    assert.ok(copied.checks.some((c) => c.name === 'storage' && !c.ok));
  });

  await t.test('the target cut off mid-way: the VM keeps running on the source', async () => {
    const vm = `${bed.prefix}mig-cut`;
    const before = await runningVm(vm);
    const disk = join(bed.imagesDir, `${vm}.qcow2`);
    // 1 MiB/s: over a minute for the tiny VM's disk and memory, time enough to cut b off.
    const running = ctl([
      'vm',
      'migrate',
      `a/${vm}`,
      'b',
      '--copy-storage',
      '--bandwidth',
      '1',
      '--json',
    ]);
    const endpointA = virshA.migrationEndpoint();
    for (let i = 0; !(await endpointA.jobInfo(vm)); i++) {
      assert.ok(i < 120, 'the migration job started');
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 3000));
    // Every connection to b but SSH (ConVirt's own sessions) is reset: the VM's streams break.
    const cut = ['-p', 'tcp', '!', '--dport', '22', '-j', 'REJECT', '--reject-with', 'tcp-reset'];
    const inB = (args: string[]) =>
      runLocal('nsenter', ['-t', String(second.pid), '-n', '--', ...args]);
    const added = await inB(['iptables', '-I', 'INPUT', ...cut]);
    assert.equal(added.code, 0, added.stderr);
    try {
      const r = await running;
      assert.equal(r.code, 1, r.stderr);
      const task = JSON.parse(r.stdout) as TaskJson;
      assert.equal(task.status, 'failed');
      assert.match(await taskLogText(ctl, task.id), /stays on a \(running\)/);
    } finally {
      await inB(['iptables', '-D', 'INPUT', ...cut]);
    }
    assert.equal(await virshA.state(vm), 'running');
    const after = await counter(virshA, vm);
    assert.equal(after.boot, before.boot);
    assert.ok(after.count > before.count);
    assert.equal(await virshB.exists(vm), false, 'nothing defined on b');
    assert.equal((await b.exec(['test', '-e', disk])).code, 1, 'no disk left on b');
  });
});
