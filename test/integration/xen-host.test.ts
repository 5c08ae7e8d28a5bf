// The xl driver against a real Xen (the test bed's emulated Xen 4.17 host), through convirtctl
// and FleetService as for KVM hosts: host add with fingerprint confirmation, host facts from
// xl info, a PV guest with a file-backed disk and a vif on xenbr0 created from its xl config,
// listed with statistics from one remote command per poll, its console, pause, memory and
// vCPU changes, shutdown with wait, destroy, delete with its disks, and the operations xl
// cannot do refused with their reason.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FleetService } from '../../app/main/fleet/fleet-service.js';
import { Inventory } from '../../app/main/inventory/index.js';
import { HostKeyTrust } from '../../app/main/ssh/host-key-trust.js';
import { ConsoleReader } from '../support/console-reader.js';
import { convirtctlRunner, type CtlRun } from '../support/convirtctl-runner.js';
import { testbed } from '../support/testbed.js';
import { GUEST_READY, connectToXenHost, writePvGuest, xenHost } from '../support/xen-host.js';

const bed = testbed();
const home = join(bed.runDir, 'xen-cli-home');
const dataDir = join(bed.runDir, 'xen-cli-data');
const vm = `${bed.prefix}pv`;
const ref = `xen/${vm}`;

const ctl = convirtctlRunner({ home, dataDir });

const json = <T>(r: CtlRun): T => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};

interface ListedVm {
  name: string;
  state: string;
  vcpus: number;
  memoryMiB: number;
  uuid: string | null;
  cpuPercent: number | null;
  cpuTimeNs: number | null;
  diskReadBytes: number | null;
  netTxBytes: number | null;
}

const listed = async (): Promise<ListedVm | undefined> =>
  json<ListedVm[]>(await ctl(['vm', 'list', '--host', 'xen', '--json'])).find((v) => v.name === vm);

/** Lists until `check` holds (the guest acts on some requests a moment later), at most ~30 s. */
async function listedUntil(check: (row: ListedVm | undefined) => boolean): Promise<ListedVm> {
  let row: ListedVm | undefined;
  for (let i = 0; i < 15; i++) {
    row = await listed();
    if (check(row)) return row!;
  }
  assert.fail(`the VM did not reach the expected listing: ${JSON.stringify(row)}`);
}

/** The task's log as `task show` prints it: every command run and its output. */
const taskLog = async (r: CtlRun) =>
  (await ctl(['task', 'show', json<{ id: string }>(r).id])).stdout;

test('the xl driver drives a real Xen host end to end', { timeout: 900_000 }, async (t) => {
  const xen = xenHost(bed);
  const address = `127.0.0.1:${xen.port}`;
  mkdirSync(join(home, '.ssh'), { recursive: true });
  const dom0 = await connectToXenHost(xen);
  const guest = await writePvGuest(dom0, xen, vm);
  const consoleLog = `/var/log/xen/console/guest-${vm}.log`;
  t.after(async () => {
    try {
      await dom0.exec(['xl', 'destroy', vm]);
      await dom0.exec(['rm', '-f', guest.config, guest.disk, consoleLog]);
    } finally {
      dom0.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  /** Follows the guest's console log (xenconsoled writes it) until `pattern` appears. */
  const guestPrints = async (pattern: RegExp, from = 0) => {
    const tail = await dom0.openChannel(['tail', '-c', `+${from + 1}`, '-F', consoleLog]);
    try {
      return await new ConsoleReader(tail).waitFor(pattern, 180_000);
    } finally {
      tail.close();
    }
  };
  const consoleLogSize = async () =>
    Number(
      (await dom0.run(['sh', '-c', 'wc -c < "$1" 2>/dev/null || echo 0', 'sh', consoleLog])).trim(),
    );

  const hostAdd = (extra: string[]) =>
    ctl([
      'host',
      'add',
      'xen',
      '--address',
      address,
      '--user',
      'root',
      '--identity',
      xen.clientKeyPath,
      ...extra,
    ]);

  await t.test('an unknown host key is shown and refused without confirmation', async () => {
    const r = await hostAdd(['--json']);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(xen.hostKeyFingerprint), r.stderr);
    assert.deepEqual(JSON.parse((await ctl(['host', 'list', '--json'])).stdout), []);
  });

  await t.test(
    'host add with the confirmed fingerprint detects Xen; facts from xl info',
    async () => {
      const { host, facts } = json<{
        host: { hypervisor: string; hostKeyFingerprint: string };
        facts: {
          hypervisor: string;
          hypervisorVersion: string;
          cpuCount: number;
          memoryTotalMiB: number;
          memoryFreeMiB: number;
          capabilities: string[];
          networks: Array<{ name: string }>;
          storagePools: Array<{ path: string; active: boolean; capacityBytes: number | null }>;
        };
      }>(await hostAdd(['--accept-host-key', xen.hostKeyFingerprint, '--json']));
      assert.equal(host.hypervisor, 'xen');
      assert.equal(host.hostKeyFingerprint, xen.hostKeyFingerprint);
      assert.equal(facts.hypervisor, 'xen');
      assert.match(facts.hypervisorVersion, /^4\.17\.\d+/);
      assert.equal(facts.cpuCount, 2);
      assert.ok(
        facts.memoryTotalMiB > 1000 && facts.memoryTotalMiB <= 1280,
        `${facts.memoryTotalMiB}`,
      );
      assert.ok(facts.memoryFreeMiB > 128 && facts.memoryFreeMiB < facts.memoryTotalMiB);
      assert.ok(facts.capabilities.includes('xen-3.0-x86_64'), facts.capabilities.join(' '));
      assert.ok(facts.networks.some((n) => n.name === 'xenbr0'));
      const pool = facts.storagePools[0]!;
      assert.equal(pool.path, '/var/lib/xen/images');
      assert.equal(pool.active, true);
      assert.ok(pool.capacityBytes! > 0);
    },
  );

  await t.test('a VM whose xl config is in /etc/xen is listed shut off', async () => {
    const row = await listed();
    assert.ok(row, 'listed');
    assert.equal(row.state, 'shutoff');
    assert.equal(row.vcpus, 2);
    assert.equal(row.memoryMiB, 128);
  });

  await t.test(
    'start creates the PV guest: it boots with its disk and its vif on xenbr0',
    async () => {
      const r = await ctl(['vm', 'start', ref, '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(await taskLog(r), /xl create \/etc\/xen\//);
      const [, hostname, disks] = await guestPrints(GUEST_READY);
      assert.equal(hostname, vm);
      assert.match(disks!, /xvda/);
      const domid = (await dom0.run(['xl', 'domid', vm])).trim();
      const ports = await dom0.run(['ls', '/sys/class/net/xenbr0/brif']);
      assert.ok(ports.split(/\s+/).includes(`vif${domid}.0`), ports);
      assert.match(await dom0.run(['losetup', '-a']), new RegExp(guest.disk));
    },
  );

  await t.test('listed running with statistics, from one remote command per poll', async () => {
    const row = await listedUntil((v) => v?.state === 'running');
    assert.equal(row.state, 'running');
    assert.match(row.uuid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(typeof row.cpuPercent, 'number');
    assert.ok(row.cpuTimeNs! > 0);
    // xentop's counters: the guest kernel read its disk's partition table.
    assert.ok(row.diskReadBytes! > 0, JSON.stringify(row));
    assert.equal(typeof row.netTxBytes, 'number');

    // In-process, to count what one poll costs on the host: sshd logs each session it starts.
    const dir = join(bed.runDir, 'xen-fleet');
    mkdirSync(dir, { recursive: true });
    const inventory = Inventory.open({ dataDir: dir });
    const fleet = new FleetService({
      inventory,
      trust: new HostKeyTrust({ userKnownHostsFiles: [], convirtStoreFile: join(dir, 'kh') }),
    });
    try {
      await fleet.addHost(
        {
          name: 'xen',
          address: '127.0.0.1',
          port: xen.port,
          username: 'root',
          authMethod: 'key',
          identityFile: xen.clientKeyPath,
        },
        { acceptFingerprint: xen.hostKeyFingerprint },
      );
      await fleet.poller.pollHost('xen'); // connects
      const sessions = async () =>
        (await dom0.run(['grep', '-c', 'Starting session', '/var/log/sshd.log'])).trim();
      const before = Number(await sessions());
      const poll = await fleet.poller.pollHost('xen');
      const after = Number(await sessions());
      // The sessions between the two counts: the poll's, and the second count's own.
      assert.equal(after - before, 2);
      assert.equal(poll.vms.find((v) => v.name === vm)?.state, 'running');
    } finally {
      fleet.close();
      inventory.close();
    }
  });

  await t.test('the serial console shows the boot line and runs a typed command', async () => {
    const r = await ctl(['vm', 'console', ref], (child) => {
      let seen = '';
      let stage = 0;
      const poke = setInterval(() => stage === 1 && child.stdin.write('\r'), 1000);
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString();
        if (stage === 0 && GUEST_READY.test(seen)) {
          stage = 1;
          child.stdin.write('\r');
        } else if (stage === 1 && seen.includes(`${vm}# `)) {
          stage = 2;
          clearInterval(poke);
          child.stdin.write('echo console-$((6*7))\r');
        } else if (stage === 2 && /console-42/.test(seen)) {
          stage = 3;
          child.stdin.end(Buffer.from([0x1d]));
        }
      });
      setTimeout(() => clearInterval(poke), 120_000);
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, GUEST_READY);
    assert.match(r.stdout, /console-42/);
  });

  await t.test('paused and unpaused', async () => {
    assert.equal((await ctl(['vm', 'suspend', ref])).code, 0);
    assert.equal((await listed())?.state, 'paused');
    assert.equal((await ctl(['vm', 'resume', ref])).code, 0);
    assert.equal((await listed())?.state, 'running');
  });

  /** The `key = value` lines of the guest's config file that ConVirt's resource changes set. */
  const configSizes = async () =>
    (await dom0.run(['grep', '-E', '^(memory|maxmem|vcpus) =', guest.config])).trim();

  await t.test(
    'memory (balloon) and vCPUs change on the running guest and in its config file',
    async () => {
      const r = await ctl(['vm', 'set', ref, '--memory', '96', '--vcpus', '1', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const log = await taskLog(r);
      assert.match(log, /xl mem-set .* 96m/);
      assert.match(log, /xl vcpu-set .* 1/);
      assert.ok(log.includes(`${guest.config}: vcpus = 1, memory = 96`), log);
      const row = await listedUntil((v) => v?.memoryMiB === 96 && v.vcpus === 1);
      assert.equal(row.state, 'running');
      // The other lines of the file are kept as they were.
      assert.equal(await configSizes(), 'memory = 96\nmaxmem = 128\nvcpus = 1');
      assert.match(await dom0.run(['cat', guest.config]), /^vif = \[ "bridge=xenbr0" \]$/m);
    },
  );

  await t.test('a running domain without a config file ConVirt knows: said plainly', async () => {
    const aside = `/root/${vm}.cfg`;
    await dom0.run(['mv', guest.config, aside]);
    try {
      const r = await ctl(['vm', 'set', ref, '--memory', '104', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const log = await taskLog(r);
      assert.match(log, /xl mem-set .* 104m/);
      assert.match(
        log,
        new RegExp(`no config file ConVirt knows \\(${guest.config}\\): the change lasts until`),
      );
      assert.notEqual((await dom0.exec(['test', '-e', guest.config])).code, 0, 'no file made');
    } finally {
      await dom0.run(['mv', aside, guest.config]);
    }
  });

  await t.test('what xl cannot do is refused with the reason, and nothing runs', async () => {
    const snapshot = await ctl(['vm', 'snapshot', 'create', ref, 'before']);
    assert.equal(snapshot.code, 2);
    assert.match(snapshot.stderr, /no snapshots/);
    const list = await ctl(['vm', 'snapshot', 'list', ref]);
    assert.equal(list.code, 2);
    assert.match(list.stderr, /no snapshots/);
    const agent = await ctl(['vm', 'add-agent-channel', ref]);
    assert.equal(agent.code, 2);
    assert.match(agent.stderr, /no QEMU guest agent/);
    const autostart = await ctl(['vm', 'autostart', ref, 'on']);
    assert.equal(autostart.code, 2);
    assert.match(autostart.stderr, /\/etc\/xen\/auto/);
    const info = json<{ state: string; guest: unknown }>(await ctl(['vm', 'info', ref, '--json']));
    assert.equal(info.state, 'running');
    assert.equal(info.guest, null);
    const kinds = json<Array<{ kind: string }>>(await ctl(['task', 'list', '--json'])).map(
      (x) => x.kind,
    );
    for (const refused of ['vm.snapshot.create', 'vm.agent-channel', 'vm.autostart']) {
      assert.equal(kinds.includes(refused), false, refused);
    }
  });

  await t.test('shutdown waits until the guest is gone; start again, then destroy', async () => {
    const r = await ctl(['vm', 'shutdown', ref, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(await taskLog(r), /timeout 120 xl shutdown -F -w/);
    assert.equal((await listed())?.state, 'shutoff');
    const from = await consoleLogSize();
    assert.equal((await ctl(['vm', 'start', ref])).code, 0);
    await guestPrints(GUEST_READY, from);
    assert.equal((await listed())?.state, 'running');
    assert.equal((await ctl(['vm', 'destroy', ref])).code, 0);
    assert.equal((await listed())?.state, 'shutoff');
  });

  await t.test('vm set on the shut-off VM changes its config file only', async () => {
    const r = await ctl(['vm', 'set', ref, '--memory', '112', '--vcpus', '2', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const log = await taskLog(r);
    assert.doesNotMatch(log, /xl (mem|vcpu)-set/);
    assert.equal(await configSizes(), 'memory = 112\nmaxmem = 128\nvcpus = 2');
    const row = await listed();
    assert.equal(row?.state, 'shutoff');
    assert.equal(row?.memoryMiB, 112);
    assert.equal(row?.vcpus, 2);
  });

  await t.test('a bad VM name is refused with exit 2', async () => {
    const r = await ctl(['vm', 'start', 'xen/a;touch /tmp/x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Invalid VM name/);
  });

  await t.test('delete with its disks leaves nothing behind', async () => {
    const r = await ctl(['vm', 'delete', ref, '--remove-disks', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(await taskLog(r), new RegExp(`"removed":\\["${guest.disk}"\\]`));
    for (const path of [guest.disk, guest.config]) {
      assert.notEqual((await dom0.exec(['test', '-e', path])).code, 0, `${path} is gone`);
    }
    assert.doesNotMatch(await dom0.run(['xl', 'list']), new RegExp(vm));
    assert.doesNotMatch(await dom0.run(['losetup', '-a']), new RegExp(guest.disk));
    assert.equal((await dom0.run(['ls', '/sys/class/net/xenbr0/brif'])).trim(), '');
    assert.equal(await listed(), undefined);
  });

  await t.test('every operation is a task, and all succeeded', async () => {
    const tasks = json<Array<{ kind: string; status: string }>>(
      await ctl(['task', 'list', '--json']),
    );
    const kinds = tasks.map((x) => x.kind);
    for (const kind of [
      'vm.start',
      'vm.suspend',
      'vm.resume',
      'vm.resources',
      'vm.shutdown',
      'vm.destroy',
      'vm.delete',
    ]) {
      assert.ok(kinds.includes(kind), kind);
    }
    assert.ok(tasks.every((x) => x.status === 'succeeded'));
  });
});
