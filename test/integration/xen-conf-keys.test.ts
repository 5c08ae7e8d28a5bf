// convirt.conf's xenconf_dir and default_bridge_xen against the emulated Xen host, through
// convirtctl: with both set to places that are not xl's defaults, the Xen appliance provisioned
// without a bridge parameter gets its config file written in xenconf_dir (none in /etc/xen), is
// listed and started from there, and its vif joins the configured bridge rather than xenbr0.
// Deleting it removes the file from xenconf_dir.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { testbedConvirtConf } from '../support/convirt-conf.js';
import { convirtctlRunner, type TaskJson } from '../support/convirtctl-runner.js';
import { testbed } from '../support/testbed.js';
import { connectToXenHost, xenHost } from '../support/xen-host.js';

const bed = testbed();
const home = join(bed.runDir, 'xen-conf-keys-home');
const dataDir = join(bed.runDir, 'xen-conf-keys-data');
const vm = `${bed.prefix}xenconf`;
const xenconfDir = `/etc/xen/convirt-${process.pid}`;
// Sorts before xenbr0, the built-in preference: only the key makes ConVirt pick it.
const bridge = 'xenalt0';

const ctl = convirtctlRunner({
  home,
  dataDir,
  configFile: testbedConvirtConf(bed, join(bed.runDir, 'xen-conf-keys-conf'), {
    paths: { xenconf_dir: xenconfDir },
    client: { default_bridge_xen: bridge },
  }),
  timeoutMs: 300_000,
});

test(
  'xenconf_dir and default_bridge_xen on the emulated Xen host',
  { timeout: 600_000 },
  async (t) => {
    const xen = xenHost(bed);
    mkdirSync(home, { recursive: true });
    const dom0 = await connectToXenHost(xen);
    // The operator makes the folder and the bridge; ConVirt only uses them.
    await dom0.run(['mkdir', '-p', xenconfDir]);
    await dom0.run(['brctl', 'addbr', bridge]);
    await dom0.run(['ip', 'link', 'set', bridge, 'up']);
    t.after(async () => {
      try {
        await dom0.exec(['xl', 'destroy', vm]);
        await dom0.exec([
          'sh',
          '-c',
          'rm -rf -- "$1" /etc/xen/"$3".cfg "$2"/"$3"-* "$2"/.convirt-provision-"$3"-*',
          'sh',
          xenconfDir,
          xen.imagesDir,
          vm,
        ]);
        await dom0.exec(['ip', 'link', 'set', bridge, 'down']);
        await dom0.exec(['brctl', 'delbr', bridge]);
      } finally {
        dom0.close();
        rmSync(home, { recursive: true, force: true });
      }
    });

    const added = await ctl([
      'host',
      'add',
      'xen',
      '--address',
      `127.0.0.1:${xen.port}`,
      '--user',
      'root',
      '--identity',
      xen.clientKeyPath,
      '--accept-host-key',
      xen.hostKeyFingerprint,
    ]);
    assert.equal(added.code, 0, added.stderr);

    const config = `${xenconfDir}/${vm}.cfg`;
    await t.test(
      'provisioned and started: the config in xenconf_dir, the vif on its bridge',
      async () => {
        const r = await ctl([
          'vm',
          'provision',
          'tiny-linux-xen',
          '--host',
          'xen',
          '--name',
          vm,
          '--start',
          '--json',
        ]);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.equal((JSON.parse(r.stdout) as TaskJson).status, 'succeeded');
        assert.match(
          await dom0.run(['cat', config]),
          new RegExp(`^vif = \\[ "bridge=${bridge},`, 'm'),
        );
        assert.equal((await dom0.exec(['test', '-e', `/etc/xen/${vm}.cfg`])).code, 1);
        assert.match(await dom0.run(['ls', `/sys/class/net/${bridge}/brif`]), /^vif\d+\.0$/m);
        const listed = JSON.parse(
          (await ctl(['vm', 'list', '--host', 'xen', '--json'])).stdout,
        ) as Array<{
          name: string;
          state: string;
        }>;
        assert.equal(listed.find((v) => v.name === vm)?.state, 'running');
      },
    );

    await t.test('shut off, it is listed from xenconf_dir and started from there', async () => {
      assert.equal((await ctl(['vm', 'destroy', `xen/${vm}`])).code, 0);
      const listed = JSON.parse(
        (await ctl(['vm', 'list', '--host', 'xen', '--json'])).stdout,
      ) as Array<{
        name: string;
        state: string;
      }>;
      assert.equal(listed.find((v) => v.name === vm)?.state, 'shutoff');
      const started = await ctl(['vm', 'start', `xen/${vm}`, '--json']);
      assert.equal(started.code, 0, started.stderr + started.stdout);
      assert.match(await dom0.run(['xl', 'list']), new RegExp(`^${vm}\\s`, 'm'));
    });

    await t.test('deleted: its file leaves xenconf_dir', async () => {
      assert.equal((await ctl(['vm', 'destroy', `xen/${vm}`])).code, 0);
      const r = await ctl(['vm', 'delete', `xen/${vm}`, '--remove-disks', '--yes', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await dom0.exec(['test', '-e', config])).code, 1);
    });
  },
);
