// Migration between the test bed's two emulated Xen hosts, through convirtctl: `xl migrate`
// carried through ConVirt's own SSH sessions (the two dom0s cannot reach each other: each is
// behind QEMU's user-mode network). A running tiny PV guest without a disk (the hosts share no
// storage, and xl moves memory only) goes live from xa to xb while a process in it keeps
// counting; a cancel mid-way leaves it running on xa; a VM of the same name on xb refuses the
// move; a shut-off guest goes offline with its disk and config file copied.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { MigrationPlan } from '../../app/shared/domain/migration.js';
import { XlDriver } from '../../app/main/hypervisors/xen/xl-driver.js';
import type { SshConnection } from '../../app/main/ssh/ssh-connection.js';
import type { XenHostInfo } from '../bed/xen-host/xen-host.js';
import { ConsoleReader } from '../support/console-reader.js';
import {
  convirtctlRunner,
  taskLogText,
  type CtlRun,
  type TaskJson,
} from '../support/convirtctl-runner.js';
import { testbed } from '../support/testbed.js';
import {
  connectToXenHost,
  secondXenHost,
  writeDisklessPvGuest,
  writePvGuest,
  xenHost,
} from '../support/xen-host.js';

const bed = testbed();
const home = join(bed.runDir, 'xen-migration-home');
const dataDir = join(bed.runDir, 'xen-migration-data');
const ctl = convirtctlRunner({ home, dataDir, timeoutMs: 600_000 });

const json = <T>(r: CtlRun): T => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};

const hostAdd = (name: string, xen: XenHostInfo) =>
  ctl([
    'host',
    'add',
    name,
    '--address',
    `127.0.0.1:${xen.port}`,
    '--user',
    'root',
    '--identity',
    xen.clientKeyPath,
    '--accept-host-key',
    xen.hostKeyFingerprint,
    '--json',
  ]);

/**
 * Types `command` at the guest's shell on its serial console (`xl console` on a pseudo-terminal,
 * as ConVirt opens it) and returns the first match of `answer` printed after it.
 */
async function inGuest(
  dom0: SshConnection,
  vm: string,
  command: string,
  answer: RegExp,
): Promise<RegExpExecArray> {
  const console = await dom0.openPty(new XlDriver(dom0).consoleArgv(vm));
  const reader = new ConsoleReader(console);
  try {
    // Each Enter makes the shell prompt again; the first may come before xl is attached.
    const poke = setInterval(() => console.write('\r'), 1000);
    try {
      await reader.waitFor(new RegExp(`${vm}# `), 300_000);
    } finally {
      clearInterval(poke);
    }
    const from = reader.output.length;
    console.write(`${command}\r`);
    return await reader.waitFor(answer, 30_000, from);
  } finally {
    console.write(Buffer.from([0x1d]));
    console.close();
  }
}

/** The guest's counter and boot (boot_id changes on every boot). */
async function counter(dom0: SshConnection, vm: string): Promise<{ count: number; boot: string }> {
  const m = await inGuest(
    dom0,
    vm,
    'echo "C=$(cat /run/count) B=$(cat /proc/sys/kernel/random/boot_id)"',
    /C=(\d+) B=([0-9a-f-]{36})/,
  );
  return { count: Number(m[1]), boot: m[2]! };
}

test('VMs move between the two Xen hosts', { timeout: 1_200_000 }, async (t) => {
  const xenA = xenHost(bed);
  const xenB = secondXenHost(bed);
  t.diagnostic(
    `two Xen hosts at once: first \`xl list\` after ${xenA.secondsToFirstXlList.toFixed(1)} s and ${xenB.secondsToFirstXlList.toFixed(1)} s; QEMU's RSS ${xenA.qemuRssMiB} and ${xenB.qemuRssMiB} MiB`,
  );
  mkdirSync(join(home, '.ssh'), { recursive: true });
  const a = await connectToXenHost(xenA);
  const b = await connectToXenHost(xenB);
  const xlA = new XlDriver(a);
  const xlB = new XlDriver(b);
  const vm = `${bed.prefix}xmig`;
  const off = `${bed.prefix}xmig-off`;
  t.after(async () => {
    for (const [dom0, xl] of [
      [a, xlA],
      [b, xlB],
    ] as const) {
      for (const name of [vm, off]) {
        await xl.destroy(name).catch(() => undefined);
        await dom0.exec(['rm', '-f', xl.configPath(name), `/var/lib/xen/images/${off}.img`]);
      }
      dom0.close();
    }
    rmSync(home, { recursive: true, force: true });
  });

  for (const [name, xen] of [
    ['xa', xenA],
    ['xb', xenB],
  ] as const) {
    const added = json<{ host: { hypervisor: string } }>(await hostAdd(name, xen));
    assert.equal(added.host.hypervisor, 'xen');
  }

  const plan = async (args: string[]) => {
    const r = await ctl(['vm', 'migrate', ...args, '--check-only', '--json']);
    assert.ok(r.code === 0 || r.code === 2, r.stderr);
    return JSON.parse(r.stdout) as MigrationPlan;
  };

  await writeDisklessPvGuest(a, xenA, vm, { memoryMiB: 96, maxMemoryMiB: 96 });
  await xlA.start(vm);
  await inGuest(
    a,
    vm,
    'i=0; while :; do echo $i > /run/count; i=$((i+1)); sleep 1; done >/dev/null 2>&1 &',
    new RegExp(`${vm}# `),
  );
  let before = await counter(a, vm);

  await t.test('the checks: what applies to xl, and a name taken on xb refuses', async () => {
    const ok = await plan([`xa/${vm}`, 'xb']);
    assert.equal(ok.ok, true, JSON.stringify(ok.checks));
    assert.equal(ok.mode, 'live');
    assert.equal(ok.storage, 'shared', 'no disk: nothing to copy');
    assert.deepEqual(
      ok.checks.map((c) => c.name),
      [
        'hypervisor',
        'hosts',
        'name',
        'state',
        'networks',
        'memory',
        'cpu',
        'storage',
        'control connection',
      ],
    );
    assert.match(ok.connection, /need not reach each other/);

    await writeDisklessPvGuest(b, xenB, vm);
    try {
      const taken = await plan([`xa/${vm}`, 'xb']);
      assert.deepEqual(
        taken.checks.filter((c) => !c.ok).map((c) => c.name),
        ['name'],
      );
      const r = await ctl(['vm', 'migrate', `xa/${vm}`, 'xb']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /name: xb already has a VM named/);
      assert.equal(await xlA.domainState(vm), 'running');
    } finally {
      await b.run(['rm', '-f', xlB.configPath(vm)]);
    }
  });

  await t.test('cancelled mid-way: the domain keeps running on xa, nothing on xb', async () => {
    const running = ctl(['vm', 'migrate', `xa/${vm}`, 'xb', '--json']);
    // What a cancel does (the endpoint's abortJob), once xl's transport runs.
    const endpoint = xlA.migrationEndpoint();
    // Past the preamble (xl's config): the domain's memory is being sent.
    const sending = async () => ((await endpoint.jobInfo(vm))?.dataProcessedBytes ?? 0) > 4 << 20;
    for (let i = 0; !(await sending()); i++) {
      assert.ok(i < 600, 'the migration started sending');
      await new Promise((r) => setTimeout(r, 100));
    }
    await endpoint.abortJob(vm);
    const r = await running;
    assert.equal(r.code, 1, r.stderr);
    const task = JSON.parse(r.stdout) as TaskJson;
    assert.equal(task.status, 'failed');
    const log = await taskLogText(ctl, task.id);
    assert.match(log, /resuming at sender/);
    assert.match(log, /stays on xa \(running\)/);
    assert.equal(await xlA.domainState(vm), 'running');
    assert.equal(await xlB.exists(vm), false);
    assert.doesNotMatch(await b.run(['xl', 'list']), new RegExp(vm));
    const after = await counter(a, vm);
    assert.equal(after.boot, before.boot);
    assert.ok(after.count > before.count, `counting went on: ${before.count} -> ${after.count}`);
    before = after;
  });

  await t.test('live: the guest runs on xb, the same boot, still counting', async () => {
    const r = await ctl(['vm', 'migrate', `xa/${vm}`, 'xb', '--json']);
    const task = r.stdout ? (JSON.parse(r.stdout) as TaskJson) : null;
    const log = task ? await taskLogText(ctl, task.id) : '';
    assert.equal(r.code, 0, `${r.stderr}\n${log}`);
    assert.match(log, /Migration successful/);
    assert.match(log, /moved .*'s configuration from xa to xb/);
    assert.equal(await xlB.domainState(vm), 'running');
    assert.equal(await xlA.exists(vm), false, 'no domain and no config file left on xa');
    assert.match(await b.run(['cat', xlB.configPath(vm)]), new RegExp(`name = "${vm}"`));
    const after = await counter(b, vm);
    assert.equal(after.boot, before.boot, 'the guest did not reboot');
    assert.ok(after.count > before.count, `counting went on: ${before.count} -> ${after.count}`);
    const hosts = json<Array<{ host: string; name: string }>>(await ctl(['vm', 'list', '--json']))
      .filter((v) => v.name === vm)
      .map((v) => v.host);
    assert.deepEqual(hosts, ['xb']);
  });

  await t.test('offline: the disk and config file copied to xb, removed from xa', async () => {
    const guest = await writePvGuest(a, xenA, off);
    await a.run([
      'sh',
      '-c',
      'printf convirt-xen-disk | dd of="$1" conv=notrunc',
      'sh',
      guest.disk,
    ]);
    const r = await ctl(['vm', 'migrate', `xa/${off}`, 'xb', '--json']);
    const task = r.stdout ? (JSON.parse(r.stdout) as TaskJson) : null;
    const log = task ? await taskLogText(ctl, task.id) : '';
    assert.equal(r.code, 0, `${r.stderr}\n${log}`);
    assert.match(log, /SHA-256 [0-9a-f]{64} on both hosts/);
    assert.equal(await xlB.state(off), 'shutoff');
    assert.ok(await xlB.exists(off), 'its config file is on xb');
    assert.equal(await xlA.exists(off), false);
    assert.equal((await a.exec(['test', '-e', guest.disk])).code, 1, 'the disk left xa');
    assert.equal(await b.run(['head', '-c', '16', guest.disk]), 'convirt-xen-disk');
  });
});
