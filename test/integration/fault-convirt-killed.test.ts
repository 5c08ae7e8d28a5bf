// ConVirt itself killed (SIGKILL) while it works: during a provisioning and during a download by
// URL (convirtctl, against the test bed), and during a burst of inventory writes. The next start
// opens the inventory intact, marks the interrupted tasks interrupted with what they may have
// left on the host (a download's .part the host removes itself), and a retry works once that is
// removed.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Inventory } from '../../app/main/inventory/index.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { waitFor } from '../bed/process.js';
import { testbedConvirtConf } from '../support/convirt-conf.js';
import { convirtctlRunner, taskLogText, testbedHostAdd } from '../support/convirtctl-runner.js';
import { ownAppliance } from '../support/faults.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { removeVm } from '../support/tiny-vm.js';

const bed = testbed();
const work = join(bed.runDir, 'convirt-killed');
const home = join(work, 'home');
const dataDir = join(work, 'data');
const imageCache = `${bed.imagesDir}/${bed.prefix}image-cache`;
const bridge = `cvkb${process.pid % 100000}`;
const appRoot = join(import.meta.dirname, '../..');

/** Opens the inventory as the next start of ConVirt would, checks it is intact, runs `look`. */
function nextStart<T>(look: (inventory: Inventory) => T): T {
  const inventory = Inventory.open({ dataDir });
  try {
    assert.equal(inventory.db.pragma('integrity_check', { simple: true }), 'ok');
    return look(inventory);
  } finally {
    inventory.close();
  }
}

test('ConVirt killed while it works', { timeout: 240_000 }, async (t) => {
  mkdirSync(home, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  const ctl = convirtctlRunner({
    home,
    dataDir,
    configFile: testbedConvirtConf(bed, join(work, 'conf')),
    timeoutMs: 120_000,
  });
  const ssh = await connectToTestbed(bed);
  const vm = `${bed.prefix}killed`;
  t.after(async () => {
    try {
      await removeVm(new KvmDriver(ssh), vm);
      await ssh.run([
        'sh',
        '-c',
        `rm -rf ${bed.imagesDir}/${vm}* ${bed.imagesDir}/.convirt-provision-${vm}*`,
      ]);
    } finally {
      ssh.close();
      spawnSync('ip', ['link', 'del', bridge]);
      rmSync(work, { recursive: true, force: true });
    }
  });

  await t.test(
    'during a provisioning: interrupted, naming what was left; the retry works',
    async () => {
      const added = await ctl(
        testbedHostAdd(bed, 'tb', ['--accept-host-key', bed.sshd.hostKeyFingerprint]),
      );
      assert.equal(added.code, 0, added.stderr);
      const slowFlag = join(work, 'slow');
      writeFileSync(slowFlag, '');
      ownAppliance(
        bed,
        join(dataDir, 'image_store'),
        'slow',
        `#!/bin/sh\n[ -e ${slowFlag} ] && sleep 60\nexit 0\n`,
      );
      const provision = (input?: (child: ChildProcess) => void) =>
        ctl(
          [
            'vm',
            'provision',
            'slow',
            '--host',
            'tb',
            '--name',
            vm,
            '--image-cache',
            imageCache,
            '--param',
            `bridge=${bridge}`,
            '--json',
          ],
          input ? (child) => (child.stdin.end(), input(child)) : undefined,
        );
      let child: ChildProcess | undefined;
      const killedRun = provision((c) => (child = c));
      const taskId = await waitFor(
        'the provisioning to run provision.sh',
        () =>
          nextStart(
            (inventory) =>
              inventory.tasks
                .list({ status: 'running' })
                .find((task) => task.message === 'Running provision.sh')?.id,
          ),
        90_000,
        200,
      );
      child!.kill('SIGKILL');
      const killed = await killedRun;
      assert.equal(killed.code, -1, 'killed by a signal');
      // provision.sh does not run on after ConVirt has gone (the retry below would race it).
      const provisionScripts = async () =>
        (
          await ssh.exec(['pgrep', '-l', '-f', `[.]convirt-provision-${vm}-.*/provision[.]sh`])
        ).stdout.trim();
      const stopped = await waitFor(
        'provision.sh to stop after ConVirt was killed',
        async () => ((await provisionScripts()) === '' ? true : undefined),
        20_000,
        250,
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}; still running: ${await provisionScripts()}`);
      });
      assert.equal(stopped, true);

      const task = nextStart((inventory) => {
        assert.equal(inventory.interruptedTasks, 1);
        return inventory.tasks.get(taskId)!;
      });
      assert.equal(task.status, 'interrupted');
      const left =
        /it may have left on the host: (.*)$/.exec(task.error ?? '')?.[1]?.split(', ') ?? [];
      assert.ok(
        left.some((l) => /^file .*killed-vda\.qcow2$/.test(l)),
        task.error ?? '',
      );
      assert.ok(
        left.some((l) => /^folder .*\.convirt-provision-/.test(l)),
        task.error ?? '',
      );
      // What it names is really there, and the task's log says it too.
      for (const thing of left) {
        const path = thing.slice(thing.indexOf(' ') + 1);
        assert.equal((await ssh.exec(['test', '-e', path])).code, 0, `${path} is on the host`);
      }
      assert.match(
        await taskLogText(ctl, taskId),
        /ConVirt stopped while this task ran\. It may have left on the host:/,
      );

      // The operator removes what it names; the retry works.
      for (const thing of left)
        await ssh.run(['rm', '-rf', '--', thing.slice(thing.indexOf(' ') + 1)]);
      rmSync(slowFlag);
      const retry = await provision();
      assert.equal(retry.code, 0, retry.stderr);
      assert.equal(await new KvmDriver(ssh).exists(vm), true);
    },
  );

  await t.test(
    'during a download by URL: the host stops it and removes its .part; interrupted naming it; the retry works',
    async (t) => {
      const web = bed.downloads;
      const pool = join(work, 'pool');
      mkdirSync(pool, { recursive: true });
      // The host downloads from /slow/ (1 MiB/s, about 3 s): ConVirt is killed in the middle. The
      // query names this download's processes (the script's shells and curl have the URL in their
      // arguments) and nothing else: the provisioning above leaves its provision.sh sleeping on,
      // whose arguments also hold "slow/" and "killed".
      const marker = 'convirt-killed-download';
      const url = `${web.http}/slow/${web.image.name}?${marker}`;
      const downloadProcesses = async () =>
        (await ssh.exec(['pgrep', '-l', '-f', `[${marker[0]}]${marker.slice(1)}`])).stdout.trim();
      const registered = await ctl([
        'image',
        'register',
        'slowimg',
        '--url',
        url,
        '--format',
        'qcow2',
        '--checksum',
        `{SHA-256}${web.image.sha256}`,
        '--direct-download',
      ]);
      assert.equal(registered.code, 0, registered.stderr);
      const deploy = (input?: (child: ChildProcess) => void) =>
        ctl(
          ['image', 'deploy', 'slowimg', '--host', 'tb', '--pool-dir', pool, '--json'],
          input ? (child) => (child.stdin.end(), input(child)) : undefined,
        );
      const part = () => readdirSync(pool).find((f) => f.includes('.part'));
      let child: ChildProcess | undefined;
      const killedRun = deploy((c) => (child = c));
      await waitFor(
        'the host to be writing its .part',
        () => {
          const name = part();
          return name && statSync(join(pool, name)).size > 0 ? name : undefined;
        },
        60_000,
        100,
      );
      child!.kill('SIGKILL');
      const killedAt = Date.now();
      assert.equal((await killedRun).code, -1, 'killed by a signal');

      // Its channel gone, the host stops curl and removes the .part, without ConVirt.
      let seen = '';
      await waitFor(
        'the host to stop the download and remove its .part',
        async () => {
          const files = readdirSync(pool);
          const processes = await downloadProcesses();
          seen = `files: [${files.join(', ')}], processes: [${processes.replace(/\n/g, ', ')}]`;
          return files.length === 0 && processes === '' ? true : undefined;
        },
        10_000,
        200,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; last seen ${seen}`);
      });
      t.diagnostic(`the host was clean ${Date.now() - killedAt} ms after the kill`);
      const task = nextStart((inventory) => {
        assert.equal(inventory.interruptedTasks, 1);
        return inventory.tasks
          .list({ status: 'interrupted' })
          .find((t) => t.target.startsWith('slowimg@'));
      });
      assert.ok(task, 'the deployment is marked interrupted');
      // It names the .part it was making, which the host has removed by itself.
      const left =
        /^interrupted: ConVirt stopped while this task ran; it may have left on the host: file (.*)$/.exec(
          task.error ?? '',
        )?.[1];
      assert.match(left ?? '', /\/pool\/template-slowimg\.qcow2\.part-/, task.error ?? '');
      assert.notEqual((await ssh.exec(['test', '-e', left!])).code, 0, `${left} is gone`);

      const retry = await deploy();
      assert.equal(retry.code, 0, retry.stderr);
      assert.deepEqual(readdirSync(pool), ['template-slowimg.qcow2']);
      assert.equal(
        (await ssh.run(['sha256sum', join(pool, 'template-slowimg.qcow2')])).split(' ')[0],
        web.image.sha256,
      );
    },
  );

  await t.test('during inventory writes: intact, its running tasks interrupted', async () => {
    // A process that writes tasks and log lines as fast as it can, killed in the middle.
    const writer = join(work, 'writer.ts');
    writeFileSync(
      writer,
      `import { Inventory } from ${JSON.stringify(join(appRoot, 'app/main/inventory/index.ts'))};
const inventory = Inventory.open({ dataDir: ${JSON.stringify(dataDir)} });
for (let i = 0; ; i++) {
  const task = inventory.tasks.create({ kind: 'vm.start', target: 'tb/w' + i });
  inventory.tasks.start(task.id);
  for (let line = 0; line < 50; line++) inventory.tasks.appendLog(task.id, 'stdout', 'x'.repeat(200));
  if (i === 20) process.stdout.write('writing\\n');
  if (i % 2) inventory.tasks.finish(task.id, 'succeeded');
}
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', writer], {
      cwd: appRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
    nextStart((inventory) => {
      assert.ok(inventory.interruptedTasks >= 1, `${inventory.interruptedTasks} interrupted`);
      const running = inventory.db
        .prepare(`SELECT count(*) AS n FROM tasks WHERE status IN ('queued', 'running')`)
        .get() as { n: number };
      assert.equal(running.n, 0);
      const orphanLog = inventory.db
        .prepare('SELECT count(*) AS n FROM task_log WHERE task_id NOT IN (SELECT id FROM tasks)')
        .get() as { n: number };
      assert.equal(orphanLog.n, 0);
    });
  });
});
