// convirtctl against the real test bed: host add with fingerprint confirmation, a changed key
// refused, the tiny VM's whole life, guest agent info, a quiesced snapshot, the serial console,
// bad input refused with nothing run, and the task log.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { ConsoleReader } from '../support/console-reader.js';
import { convirtctlRunner, testbedHostAdd, sshSessionCount } from '../support/convirtctl-runner.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm } from '../support/tiny-vm.js';

const bed = testbed();
const home = join(bed.runDir, 'cli-home');
const dataDir = join(bed.runDir, 'cli-data');
const address = `127.0.0.1:${bed.sshd.port}`;
const vm = `${bed.prefix}cli`;
const ref = `tb/${vm}`;

const ctl = convirtctlRunner({ home, dataDir });

/** `host add NAME` with the test bed's address, user and key, plus `extra`. */
const hostAdd = (name: string, extra: string[], at = address) =>
  ctl(testbedHostAdd(bed, name, extra, at));

const sshSessions = () => sshSessionCount(bed);

// Its eleven steps each boot, pause or snapshot the tiny VM under software emulation: about 4 min
// on a quiet 2-core machine, so the limit leaves room for a busy one.
test('convirtctl drives a real host end to end', { timeout: 600_000 }, async (t) => {
  mkdirSync(join(home, '.ssh'), { recursive: true });
  const ssh = await connectToTestbed(bed);
  const virsh = new KvmDriver(ssh);
  const disk = `${bed.imagesDir}/${vm}.qcow2`;
  t.after(async () => {
    try {
      if (await virsh.exists(vm)) {
        if ((await virsh.state(vm)) !== 'shutoff') await virsh.destroy(vm);
        await ssh.run(['virsh', '-q', 'undefine', vm, '--snapshots-metadata']);
      }
      await ssh.run(['rm', '-f', disk]);
    } finally {
      ssh.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  await t.test('an unknown host key is shown and refused without confirmation', async () => {
    const r = await hostAdd('tb', ['--json']);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(bed.sshd.hostKeyFingerprint), r.stderr);
    assert.deepEqual(JSON.parse((await ctl(['host', 'list', '--json'])).stdout), []);
  });

  await t.test(
    'a changed host key is refused, naming both keys, before any credential',
    async () => {
      // The operator's known_hosts remembers another key for this address.
      const other = join(home, 'other_key');
      spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
      const [type, blob] = readFileSync(`${other}.pub`, 'utf8').split(' ');
      writeFileSync(
        join(home, '.ssh/known_hosts'),
        `[localhost]:${bed.sshd.port} ${type} ${blob}\n`,
      );
      const logBefore = statSync(bed.sshd.logPath).size;
      const accept = ['--accept-host-key', bed.sshd.hostKeyFingerprint];
      const r = await hostAdd('tb-changed', accept, `localhost:${bed.sshd.port}`);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /CHANGED/);
      assert.ok(r.stderr.includes(bed.sshd.hostKeyFingerprint));
      await new Promise((res) => setTimeout(res, 200));
      assert.doesNotMatch(
        readFileSync(bed.sshd.logPath, 'utf8').slice(logBefore),
        /publickey|Accepted|Failed/,
      );
    },
  );

  await t.test('host add with the confirmed fingerprint detects KVM', async () => {
    const accept = ['--accept-host-key', bed.sshd.hostKeyFingerprint];
    const r = await hostAdd('tb', [...accept, '--group', 'Lab/Rack 1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const { host, facts } = JSON.parse(r.stdout) as {
      host: { hypervisor: string };
      facts: { cpuCount: number };
    };
    assert.equal(host.hypervisor, 'kvm');
    assert.ok(facts.cpuCount >= 1);
    const hosts = JSON.parse((await ctl(['host', 'list', '--json'])).stdout) as Array<{
      group: string;
    }>;
    assert.equal(hosts[0]!.group, 'Lab/Rack 1');
  });

  // The tiny VM, defined on the host by the project's XML builder.
  await defineTinyVm(ssh, bed, vm, 'clivm');

  const listed = async () =>
    (
      JSON.parse((await ctl(['vm', 'list', '--host', 'tb', '--json'])).stdout) as Array<
        Record<string, unknown>
      >
    ).find((v) => v.name === vm)!;

  await t.test('the VM is listed with its state', async () => {
    const row = await listed();
    assert.equal(row.state, 'shutoff');
    assert.equal(row.host, 'tb');
    assert.equal(row.vcpus, 1);
    assert.equal(row.memoryMiB, 128);
  });

  await t.test('start, then guest agent information with the configured address', async () => {
    assert.equal((await ctl(['vm', 'start', ref])).code, 0);
    let info: {
      guest: { osName: string; interfaces: Array<{ name: string; addresses: string[] }> } | null;
    } = {
      guest: null,
    };
    for (let i = 0; i < 60 && !info.guest; i++) {
      info = JSON.parse((await ctl(['vm', 'info', ref, '--json'])).stdout) as typeof info;
      if (!info.guest) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(info.guest, 'the guest agent answered');
    assert.match(info.guest.osName, /ConVirt tiny VM/);
    const eth0 = info.guest.interfaces.find((i) => i.name === 'eth0');
    assert.ok(eth0?.addresses.includes('10.0.2.15/24'), JSON.stringify(eth0));
    const row = await listed();
    assert.equal(row.state, 'running');
    assert.equal(typeof row.cpuPercent, 'number');
  });

  const agentAnswers = async () => {
    for (let i = 0; i < 80; i++) {
      const info = JSON.parse((await ctl(['vm', 'info', ref, '--json'])).stdout) as {
        guest: unknown;
      };
      if (info.guest) return true;
      await new Promise((r) => setTimeout(r, 500));
    }
    return false;
  };

  await t.test('suspend, resume, reboot, force off and start again', async () => {
    assert.equal((await ctl(['vm', 'suspend', ref])).code, 0);
    assert.equal((await listed()).state, 'paused');
    assert.equal((await ctl(['vm', 'resume', ref])).code, 0);
    assert.equal((await listed()).state, 'running');
    const reboot = await ctl(['vm', 'reboot', ref, '--json']);
    assert.equal(reboot.code, 0, reboot.stderr);
    assert.match(
      (await ctl(['task', 'show', (JSON.parse(reboot.stdout) as { id: string }).id])).stdout,
      /reboot .* --mode agent/,
    );
    assert.ok(await agentAnswers(), 'the guest came back after the reboot');
    assert.equal((await ctl(['vm', 'destroy', ref])).code, 0);
    assert.equal((await listed()).state, 'shutoff');
    assert.equal((await ctl(['vm', 'start', ref])).code, 0);
    assert.ok(await agentAnswers(), 'the guest came back after the new start');
  });

  await t.test('a quiesced snapshot is created and reverted', async () => {
    const made = await ctl(['vm', 'snapshot', 'create', ref, 'before', '--quiesce', '--json']);
    assert.equal(made.code, 0, made.stderr);
    const log = JSON.parse(
      (await ctl(['task', 'show', (JSON.parse(made.stdout) as { id: string }).id, '--json']))
        .stdout,
    ) as {
      log: Array<{ text: string }>;
    };
    const text = log.log.map((e) => e.text).join('\n');
    assert.match(text, /domfsfreeze/);
    assert.match(text, /Froze 1 filesystem/);
    assert.match(text, /Thawed 1 filesystem/);
    const list = JSON.parse(
      (await ctl(['vm', 'snapshot', 'list', ref, '--json'])).stdout,
    ) as Array<{ name: string }>;
    assert.deepEqual(
      list.map((s) => s.name),
      ['before'],
    );
    // A file written after the snapshot is gone after the revert.
    const write = JSON.stringify({
      execute: 'guest-exec',
      arguments: { path: '/bin/sh', arg: ['-c', 'echo x > /mnt/data/after.txt; sync'] },
    });
    await ssh.run(['virsh', '-q', 'qemu-agent-command', vm, write]);
    const read = JSON.stringify({
      execute: 'guest-file-open',
      arguments: { path: '/mnt/data/after.txt' },
    });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await ssh.exec(['virsh', '-q', 'qemu-agent-command', vm, read])).code, 0);
    assert.equal((await ctl(['vm', 'snapshot', 'revert', ref, 'before'])).code, 0);
    assert.notEqual((await ssh.exec(['virsh', '-q', 'qemu-agent-command', vm, read])).code, 0);
    const status = await ssh.run([
      'virsh',
      '-q',
      'qemu-agent-command',
      vm,
      '{"execute":"guest-fsfreeze-status"}',
    ]);
    assert.match(status, /thawed/);
    assert.equal((await ctl(['vm', 'snapshot', 'delete', ref, 'before'])).code, 0);
  });

  await t.test('the serial console runs a typed command', async () => {
    const r = await ctl(['vm', 'console', ref], (child) => {
      let seen = '';
      let stage = 0;
      const poke = setInterval(() => stage === 0 && child.stdin.write('\r'), 700);
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString();
        if (stage === 0 && /clivm# /.test(seen)) {
          stage = 1;
          clearInterval(poke);
          child.stdin.write('echo console-$((6*7))\r');
        } else if (stage === 1 && /console-42/.test(seen)) {
          stage = 2;
          child.stdin.end(Buffer.from([0x1d]));
        }
      });
      setTimeout(() => clearInterval(poke), 60_000);
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /console-42/);
  });

  await t.test('a guest user gets a password through the guest agent', async () => {
    const user = 'cvuser';
    const password = `s3cret 'pw' ${process.pid}`;
    const console = new ConsoleReader(await virsh.openConsole(vm));
    try {
      await console.poke('\r', /clivm# /, 30_000);
      // A user with no password yet, in a shadow file, as a real system would have. qemu-ga
      // runs chpasswd, which Debian's busybox lacks: the guest gets a stand-in that does what
      // shadow's chpasswd does (reads `user:password`, stores a SHA-512 crypt hash).
      const chpasswd = [
        '#!/bin/sh',
        'IFS=: read -r u p',
        'h=$(mkpasswd -m sha512 "$p") || exit 1',
        'sed -i "s|^$u:[^:]*:|$u:$h:|" /etc/shadow',
      ];
      console.type(
        `printf '%s\\n' ${chpasswd.map((l) => `'${l}'`).join(' ')} >/usr/sbin/chpasswd; chmod +x /usr/sbin/chpasswd\r`,
      );
      console.type(
        `echo '${user}:x:1000:1000::/:/bin/sh' >>/etc/passwd; echo '${user}:!:1::::::' >>/etc/shadow; echo made-$((2*3))\r`,
      );
      await console.waitFor(/made-6/, 10_000);
      const r = await ctl(['vm', 'password', ref, user, '--json'], (child) =>
        child.stdin.end(`${password}\n`),
      );
      assert.equal(r.code, 0, r.stdout);
      const from = console.output.length;
      console.type(`grep ^${user}: /etc/shadow | cut -d: -f2; echo shadow-$((3*3))\r`);
      const shown = await console.waitFor(
        /\r?\n(\$(\d)\$([^$\s]+)\$\S+)\r?\nshadow-9/,
        10_000,
        from,
      );
      const [, hash, algorithm, salt] = shown;
      const expected = spawnSync('openssl', ['passwd', `-${algorithm}`, '-salt', salt!, '-stdin'], {
        input: password,
      });
      assert.equal(
        expected.stdout.toString().trim(),
        hash,
        'the guest holds a hash of the password',
      );
      const task = JSON.parse(r.stdout) as { id: string };
      const log = (await ctl(['task', 'show', task.id])).stdout;
      assert.match(log, /password of cvuser set/);
      assert.ok(!log.includes(password), 'the password is not in the task log');
    } finally {
      console.stream.end();
    }
  });

  await t.test('a bad VM name is refused with exit 2 and runs nothing on the host', async () => {
    const before = sshSessions();
    const r = await ctl(['vm', 'start', 'tb/a;touch /tmp/x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Invalid VM name/);
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(sshSessions(), before);
  });

  await t.test('shutdown goes through the guest agent and the VM stops', async () => {
    const r = await ctl(['vm', 'shutdown', ref, '--json']);
    assert.equal(r.code, 0, r.stderr);
    let state = '';
    for (let i = 0; i < 40 && state !== 'shutoff'; i++) {
      state = await virsh.state(vm);
      if (state !== 'shutoff') await new Promise((res) => setTimeout(res, 500));
    }
    assert.equal(state, 'shutoff');
    const task = JSON.parse(r.stdout) as { id: string };
    const shown = await ctl(['task', 'show', task.id]);
    assert.match(shown.stdout, /shutdown .* --mode agent/);
  });

  await t.test('vCPUs, memory, autostart and the guest agent channel of a stopped VM', async () => {
    assert.equal((await ctl(['vm', 'set', ref, '--vcpus', '2', '--memory', '192'])).code, 0);
    const row = await listed();
    assert.equal(row.vcpus, 2);
    assert.equal(row.memoryMiB, 192);
    assert.equal((await ctl(['vm', 'autostart', ref, 'on'])).code, 0);
    assert.match(await ssh.run(['virsh', '-q', 'dominfo', vm]), /Autostart:\s+enable/);
    assert.equal((await ctl(['vm', 'autostart', ref, 'off'])).code, 0);
    const added = JSON.parse((await ctl(['vm', 'add-agent-channel', ref, '--json'])).stdout) as {
      id: string;
    };
    assert.match((await ctl(['task', 'show', added.id])).stdout, /already present/);
  });

  await t.test('an ISO is attached as a CD-ROM and ejected', async (st) => {
    const iso = `${bed.imagesDir}/${bed.prefix}test.iso`;
    await ssh.run(['truncate', '-s', '1M', iso]);
    st.after(() => ssh.run(['rm', '-f', iso]));
    assert.equal((await ctl(['vm', 'iso', ref, 'attach', iso])).code, 0);
    assert.match(
      await ssh.run(['virsh', '-q', 'domblklist', vm]),
      new RegExp(iso.replaceAll('.', '\\.')),
    );
    assert.equal((await ctl(['vm', 'iso', ref, 'eject'])).code, 0);
    assert.doesNotMatch(await ssh.run(['virsh', '-q', 'domblklist', vm]), /\.iso/);
  });

  await t.test(
    'a clone is an instant overlay; deleting never removes a disk another VM needs',
    async (st) => {
      const copy = `${bed.prefix}copy`;
      const copyDisk = `${bed.imagesDir}/${copy}-vda.qcow2`;
      st.after(async () => {
        if (await virsh.exists(copy)) await ssh.run(['virsh', '-q', 'undefine', copy]);
        await ssh.run(['rm', '-f', copyDisk]);
      });
      assert.equal((await ctl(['vm', 'clone', ref, copy])).code, 0);
      assert.match(
        await ssh.run(['qemu-img', 'info', '-U', copyDisk]),
        new RegExp(`backing file: ${disk}`),
      );
      // Deleting the original with its disks keeps the disk the clone is built on.
      const del = await ctl(['vm', 'delete', ref, '--remove-disks', '--yes', '--json']);
      assert.equal(del.code, 0, del.stderr);
      const log = (await ctl(['task', 'show', (JSON.parse(del.stdout) as { id: string }).id]))
        .stdout;
      assert.match(log, new RegExp(`"kept":\\["${disk}"\\]`));
      assert.equal(await virsh.exists(vm), false);
      assert.equal((await ssh.exec(['test', '-e', disk])).code, 0);
      // The clone goes with its own disk.
      assert.equal((await ctl(['vm', 'delete', `tb/${copy}`, '--remove-disks', '--yes'])).code, 0);
      assert.notEqual((await ssh.exec(['test', '-e', copyDisk])).code, 0);
      // Without --yes and without a terminal, deleting is refused.
      assert.equal((await ctl(['vm', 'delete', `tb/${copy}`])).code, 2);
    },
  );

  await t.test('every operation is a task in the task list', async () => {
    const tasks = JSON.parse((await ctl(['task', 'list', '--json'])).stdout) as Array<{
      kind: string;
      status: string;
    }>;
    const kinds = tasks.map((x) => x.kind);
    for (const kind of [
      'vm.start',
      'vm.suspend',
      'vm.resume',
      'vm.reboot',
      'vm.destroy',
      'vm.shutdown',
      'vm.snapshot.create',
      'vm.snapshot.revert',
      'vm.clone',
      'vm.delete',
    ]) {
      assert.ok(kinds.includes(kind), kind);
    }
    assert.ok(tasks.every((x) => x.status === 'succeeded'));
  });
});
