// The shipped Debian genericcloud appliance against the real test bed: its URL pointed at the test
// bed's nginx by a mirror in the operator's own image_store.conf (the shipped URL unchanged), the
// Debian cloud image built from packages served there with its SHA512SUMS. The host fetches and
// verifies it once; cloud-init applies the host name, the user and the SSH key from the NoCloud
// seed (the guest agent reports the host name; SSH with the key works); a second VM from the same
// URL fetches nothing. Prints the time from the provision call to the guest agent's answer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitForGuestAgent } from '../../app/main/guest-agent/wait-for-agent.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import {
  convirtctlRunner,
  taskLogText,
  testbedHostAdd,
  type TaskJson,
} from '../support/convirtctl-runner.js';
import {
  cloudImageRequests,
  DEBIAN_CLOUD_APPLIANCE,
  publishCloudImage,
} from '../support/cloud-image.js';
import { testbedConvirtConf } from '../support/convirt-conf.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { removeVm } from '../support/tiny-vm.js';

const bed = testbed();
const home = join(bed.runDir, 'cloud-home');
const dataDir = join(bed.runDir, 'cloud-data');
const imageCache = `${bed.imagesDir}/${bed.prefix}cloud-cache`;
const bridge = `cvcb${process.pid % 100000}`;
const subnet = `10.251.${process.pid % 250}`;

const ctl = convirtctlRunner({
  home,
  dataDir,
  configFile: testbedConvirtConf(bed, join(bed.runDir, 'cloud-conf')),
});

test(
  'a distribution cloud image by URL, seeded by cloud-init',
  { timeout: 1_800_000 },
  async (t) => {
    mkdirSync(home, { recursive: true });
    const imageName = publishCloudImage(bed, dataDir);
    const keyFile = join(bed.runDir, 'cloud-key');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
    const ssh = await connectToTestbed(bed);
    const virsh = new KvmDriver(ssh);
    const vms: string[] = [];
    spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
    spawnSync('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
    spawnSync('ip', ['link', 'set', bridge, 'up']);
    t.after(async () => {
      try {
        for (const vm of vms) await removeVm(virsh, vm);
        await ssh.run(['rm', '-rf', '--', imageCache]).catch(() => undefined);
      } finally {
        ssh.close();
        spawnSync('ip', ['link', 'del', bridge]);
        rmSync(home, { recursive: true, force: true });
      }
    });
    const added = await ctl(
      testbedHostAdd(bed, 'tb', ['--accept-host-key', bed.sshd.hostKeyFingerprint]),
    );
    assert.equal(added.code, 0, added.stderr);

    const provision = async (n: number) => {
      const name = `${bed.prefix}cloud${n}`;
      const hostname = `cloud${n}-${process.pid}`;
      const address = `${subnet}.${10 + n}`;
      vms.push(name);
      const started = Date.now();
      const r = await ctl([
        'vm',
        'provision',
        DEBIAN_CLOUD_APPLIANCE,
        '--host',
        'tb',
        '--name',
        name,
        '--image-cache',
        imageCache,
        '--param',
        `bridge=${bridge}`,
        '--ci-hostname',
        hostname,
        '--ci-user',
        'cvadmin',
        '--ci-ssh-key',
        `${keyFile}.pub`,
        '--ci-ip',
        `${address}/24`,
        '--ci-gateway',
        `${subnet}.1`,
        '--start',
        '--json',
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const task = JSON.parse(r.stdout) as TaskJson;
      const provisioned = (Date.now() - started) / 1000;
      // The guest agent starts after cloud-init's network stage: its answer means the name is set.
      await waitForGuestAgent(virsh, name, 1_200_000);
      const agent = (Date.now() - started) / 1000;
      const reported = (await virsh.agentCommand(name, 'guest-get-host-name')) as {
        'host-name': string;
      };
      assert.equal(reported['host-name'], hostname);
      // SSH as the seeded user with the seeded key, over the host's bridge.
      let login = spawnSync('true');
      for (let i = 0; i < 60; i++) {
        login = spawnSync('ssh', [
          ...['-i', keyFile, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no'],
          ...['-o', 'UserKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=10'],
          `cvadmin@${address}`,
          'hostname',
        ]);
        if (login.status === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 5000));
      }
      assert.equal(login.status, 0, login.stderr.toString());
      assert.equal(login.stdout.toString().trim(), hostname);
      console.log(
        `cloud image VM ${n}: provisioned in ${provisioned.toFixed(1)} s, guest agent answered ${agent.toFixed(1)} s after the provision call`,
      );
      return taskLogText(ctl, task.id);
    };

    await t.test(
      'first VM: the host fetches and verifies the image, cloud-init applies the seed',
      async () => {
        const log = await provision(1);
        assert.match(
          log,
          /Reading the checksum of .* from http:\/\/127\.0\.0\.1:\d+\/debian-cloud\/.*SHA512SUMS/,
        );
        assert.match(log, /Fetched and verified .*url-[0-9a-f]{32}-debian-12-genericcloud/);
        assert.equal(
          cloudImageRequests(bed, imageName),
          2,
          'the checksum file and the image, once each',
        );
      },
    );

    await t.test('second VM from the same URL: nothing is fetched', async () => {
      const before = cloudImageRequests(bed, imageName);
      const log = await provision(2);
      assert.match(
        log,
        /Reusing .*url-[0-9a-f]{32}-debian-12-genericcloud.*fetched and verified before/,
      );
      assert.doesNotMatch(log, /fetches|Reading the checksum/);
      assert.equal(
        cloudImageRequests(bed, imageName),
        before,
        'no request reached the download server',
      );
    });
  },
);
