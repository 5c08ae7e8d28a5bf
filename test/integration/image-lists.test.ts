// Image-list subscriptions end to end, through convirtctl against the test bed: its nginx serves
// the lists (made here with a CA and an endorser certificate by openssl) and the images (the tiny
// VM's disk as qcow2, and as an OVA), its sshd is the KVM host. Subscribing with a CA file and
// with a hashed CA folder, first images disabled, a disabled template refused, enabling one in a
// server pool, a new list version rotating the template (steps A to E in the inventory, the task
// log and the audit trail) while a VM of the old version keeps its disk, the operator's event
// handler hearing vmcatcher's variables, every refusal changing nothing, an OVA converted on the
// host and a qcow2 image each provisioned into a running VM, and an expired list expiring them.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { Inventory } from '../../app/main/inventory/index.js';
import {
  convirtctlRunner,
  taskLogText,
  testbedHostAdd,
  type TaskJson,
} from '../support/convirtctl-runner.js';
import { writeConvirtConf } from '../support/convirt-conf.js';
import {
  makeImageListPki,
  makeOva,
  publishImageList,
  servedFolder,
  serveImage,
  type Endorser,
  type ListImage,
  type ListSpec,
} from '../support/image-list-fixtures.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { removeVm } from '../support/tiny-vm.js';

const bed = testbed();
const home = join(bed.runDir, 'imagelists-home');
const dataDir = join(bed.runDir, 'imagelists-data');
const hookLog = join(bed.runDir, 'imagelists-hook.log');
const pool = `${bed.imagesDir}/${bed.prefix}listpool`;
// Linux interface names have at most 15 characters.
const bridge = `cvil${process.pid % 100000}`;
/** Where `imagelist show` before and after the update is kept (for a release note), when set. */
const SHOW_FILE = process.env.CONVIRT_IMAGELIST_SHOW_FILE;

const pki = makeImageListPki();
const folder = servedFolder(bed.downloads, 'endorsed');
const LIST_ID = randomUUID();

/** The qcow2 image in two versions (the same disk, other bytes), and the OVA of the same disk. */
const secondDisk = join(pki.dir, 'tiny-2.qcow2');
execFileSync('qemu-img', ['convert', '-c', '-O', 'qcow2', bed.tinyVm.dataDisk, secondDisk]);
const qcow2V1 = serveImage(folder, bed.tinyVm.dataDisk, {
  identifier: 'tiny-qcow2',
  title: 'Tiny qcow2',
  version: '1',
  name: 'tiny-1.qcow2',
});
const qcow2V2 = serveImage(folder, secondDisk, {
  identifier: 'tiny-qcow2',
  title: 'Tiny qcow2',
  version: '2',
});
const ova = serveImage(folder, makeOva(pki.dir, 'tiny', bed.tinyVm.dataDisk), {
  identifier: 'tiny-ova',
  title: 'Tiny OVA',
  version: '1',
  format: 'OVA',
});

/** Publishes the list the subscription reads (endorsed.smime), signed by the endorser. */
const publish = (
  spec: Partial<ListSpec> & { images: ListImage[] },
  signer: Endorser | null = pki.endorser,
) =>
  publishImageList(
    folder,
    'endorsed.smime',
    { identifier: LIST_ID, version: '1.0', endorser: pki.endorser, ...spec },
    signer,
    pki,
  );

// The operator's handler: each event's VMCATCHER_EVENT_* variables, one block per event.
const hook = join(bed.runDir, 'imagelists-hook.sh');
writeFileSync(
  hook,
  `#!/bin/sh\n{ echo "--- $VMCATCHER_EVENT_TYPE"; env | grep '^VMCATCHER_EVENT_' | sort; } >> '${hookLog}'\n`,
);
chmodSync(hook, 0o755);
const conf = writeConvirtConf(
  join(bed.runDir, 'imagelists-conf'),
  {},
  {
    imagelist_event_handler: hook,
  },
);
const ctl = convirtctlRunner({ home, dataDir, configFile: conf });

/** The events the handler heard since the last call, each as its variables. */
function heardEvents(): Record<string, string>[] {
  if (!existsSync(hookLog)) return [];
  const text = readFileSync(hookLog, 'utf8');
  rmSync(hookLog);
  return text
    .split('--- ')
    .filter(Boolean)
    .map(
      (block) =>
        Object.fromEntries(
          block
            .split('\n')
            .slice(1)
            .filter(Boolean)
            .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        ) as Record<string, string>,
    );
}

interface TemplateRow {
  name: string;
  enabled: boolean;
  serverPools: number[] | null;
  url: string;
  format: string;
  pools: string[];
}
interface ShownList {
  subscription: { name: string; version: string | null; state: string; lastError: string | null };
  images: { identifier: string; version: string; state: string; template: string | null }[];
}

const templates = async () =>
  JSON.parse((await ctl(['image', 'list', '--json'])).stdout) as TemplateRow[];
const shown = async (name: string) =>
  JSON.parse((await ctl(['imagelist', 'show', name, '--json'])).stdout) as ShownList;
/** What a refusal must leave as it was: the templates, the images and the accepted list. */
const state = async () => {
  const { subscription, images } = await shown('endorsed');
  return { templates: await templates(), images, version: subscription.version };
};

const provision = (template: string, name: string) =>
  ctl([
    'vm',
    'provision',
    '--template',
    template,
    '--host',
    'tb',
    '--name',
    name,
    '--pool-dir',
    pool,
    '--param',
    `bridge=${bridge}`,
    '--param',
    'memory=128',
    '--start',
    '--json',
  ]);

test('image-list subscriptions against the test bed', { timeout: 600_000 }, async (t) => {
  mkdirSync(home, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const ssh = await connectToTestbed(bed);
  const virsh = new KvmDriver(ssh);
  const vms: string[] = [];
  spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  spawnSync('ip', ['link', 'set', bridge, 'up']);
  t.after(async () => {
    try {
      for (const vm of vms) {
        await removeVm(virsh, vm);
        await ssh.run(['rm', '-f', `${bed.imagesDir}/${vm}-vda.qcow2`]);
      }
      await ssh.run(['rm', '-rf', pool]);
    } finally {
      ssh.close();
      spawnSync('ip', ['link', 'del', bridge]);
      rmSync(pki.dir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    }
  });
  await ssh.run(['mkdir', '-p', pool]);
  const added = await ctl(
    testbedHostAdd(bed, 'tb', [
      '--accept-host-key',
      bed.sshd.hostKeyFingerprint,
      '--group',
      'Image lists',
    ]),
  );
  assert.equal(added.code, 0, added.stderr);
  const hosts = JSON.parse((await ctl(['host', 'list', '--json'])).stdout) as {
    name: string;
    groupId: number;
  }[];
  const groupId = hosts.find((h) => h.name === 'tb')!.groupId;
  const url = publish({ images: [qcow2V1, ova] });

  await t.test('an unsigned list without --allow-unsigned: refused, nothing kept', async () => {
    const unsigned = publishImageList(
      folder,
      'unsigned.json',
      { identifier: randomUUID(), version: '1', endorser: pki.endorser, images: [qcow2V1] },
      null,
      pki,
    );
    const r = await ctl(['imagelist', 'subscribe', unsigned, '--trust-ca', pki.caFile]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /not signed .*--allow-unsigned/);
    assert.deepEqual(JSON.parse((await ctl(['imagelist', 'list', '--json'])).stdout), []);
    assert.deepEqual(await templates(), []);
  });

  await t.test('subscribed with the CA file: each image registered, disabled', async () => {
    const r = await ctl([
      'imagelist',
      'subscribe',
      url,
      '--trust-ca',
      pki.caFile,
      '--name',
      'endorsed',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const { subscription, images } = JSON.parse(r.stdout) as ShownList;
    assert.deepEqual([subscription.version, subscription.state], ['1.0', 'current']);
    assert.deepEqual(
      images.map((i) => [i.identifier, i.version, i.state, i.template]),
      [
        ['tiny-ova', '1', 'available', 'tiny-ova'],
        ['tiny-qcow2', '1', 'available', 'tiny-qcow2'],
      ],
    );
    const rows = await templates();
    assert.deepEqual(
      rows.map((x) => [x.name, x.enabled, x.format, x.url]),
      [
        // The OVA's disk becomes a qcow2 on the pool.
        ['tiny-ova', false, 'qcow2', ova.uri],
        ['tiny-qcow2', false, 'qcow2', qcow2V1.uri],
      ],
    );
    const events = heardEvents();
    assert.deepEqual(
      events.map((e) => e.VMCATCHER_EVENT_TYPE),
      [
        'ProcessPrefix',
        'SubscriptionImageNew',
        'AvailablePrefix',
        'AvailablePostfix',
        'SubscriptionImageNew',
        'AvailablePrefix',
        'AvailablePostfix',
        'ProcessPostfix',
      ],
    );
    assert.deepEqual(events[0], {
      VMCATCHER_EVENT_TYPE: 'ProcessPrefix',
      VMCATCHER_EVENT_IL_DC_IDENTIFIER: LIST_ID,
    });
  });

  await t.test('subscribed with a hashed CA folder and a pinned endorser', async () => {
    const other = publishImageList(
      folder,
      'other.smime',
      {
        identifier: randomUUID(),
        version: '7',
        endorser: pki.endorser,
        images: [{ ...qcow2V1, identifier: 'tiny-other' }],
      },
      pki.endorser,
      pki,
    );
    const args = ['imagelist', 'subscribe', other, '--trust-ca-dir', pki.caDir, '--name', 'other'];
    const pinnedElse = await ctl([...args, '--endorser-dn', pki.other.dn]);
    assert.equal(pinnedElse.code, 1, pinnedElse.stderr);
    assert.match(pinnedElse.stderr, /not by the endorser this subscription trusts/);
    const r = await ctl([...args, '--endorser-dn', pki.endorser.dn]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`endorser  ${pki.endorser.dn}`), r.stdout);
    const gone = await ctl(['imagelist', 'unsubscribe', 'other']);
    assert.equal(gone.code, 0, gone.stderr);
    assert.match(gone.stdout, /templates kept: tiny-other/);
    assert.equal((await ctl(['image', 'remove', 'tiny-other', '--yes'])).code, 0);
    heardEvents();
  });

  const oldVm = `${bed.prefix}list1`;
  await t.test(
    'a disabled template is refused; enabled in a server pool, it provisions',
    async () => {
      const refused = await provision('tiny-qcow2', oldVm);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /tiny-qcow2 is disabled/);
      const enabled = await ctl([
        'image',
        'settings',
        'tiny-qcow2',
        '--enable',
        '--server-pool',
        String(groupId),
      ]);
      assert.equal(enabled.code, 0, enabled.stderr);
      assert.equal(enabled.stdout.trim(), `tiny-qcow2: enabled, server pools ${groupId}.`);
      vms.push(oldVm);
      const r = await provision('tiny-qcow2', oldVm);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.equal(await virsh.state(oldVm), 'running');
    },
  );

  await t.test('a new list version rotates the template: steps A to E', async () => {
    const before = await ctl(['imagelist', 'show', 'endorsed']);
    publish({ version: '1.1', images: [qcow2V2, ova] });
    const r = await ctl(['imagelist', 'update', 'endorsed']);
    assert.equal(r.code, 0, r.stderr);
    const after = await ctl(['imagelist', 'show', 'endorsed']);
    if (SHOW_FILE)
      writeFileSync(
        SHOW_FILE,
        [
          '$ convirtctl imagelist show endorsed   # before the update',
          before.stdout.trimEnd(),
          '',
          `$ convirtctl imagelist update endorsed   # list version 1.1: tiny-qcow2 version 2`,
          r.stdout.trimEnd(),
          '',
          '$ convirtctl imagelist show endorsed   # after the update',
          after.stdout.trimEnd(),
          '',
        ].join('\n'),
      );
    assert.match(before.stdout, /version {3}1\.0, current/);
    assert.match(after.stdout, /version {3}1\.1, current/);

    const rows = await templates();
    const old = rows.find((x) => x.name.startsWith('tiny-qcow2_'));
    assert.ok(old, rows.map((x) => x.name).join(', '));
    assert.match(old.name, /^tiny-qcow2_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\dZ$/);
    assert.deepEqual([old.enabled, old.serverPools, old.url], [false, [], qcow2V1.uri]);
    const current = rows.find((x) => x.name === 'tiny-qcow2')!;
    assert.deepEqual(
      [current.enabled, current.serverPools, current.url],
      [true, [groupId], qcow2V2.uri],
    );
    assert.equal(rows.find((x) => x.name === 'tiny-ova')!.enabled, false, 'unchanged');

    const task = /\(task (\S+)\)/.exec(r.stdout)![1]!;
    const log = await taskLogText(ctl, task);
    for (const step of ['A', 'B', 'C', 'D', 'E'])
      assert.match(log, new RegExp(`^${step}\\) `, 'm'), `step ${step} in the task log`);
    assert.match(log, /^C\) Renamed tiny-qcow2 to tiny-qcow2_/m);
    const inventory = Inventory.open({ dataDir });
    try {
      const steps = inventory.audit
        .list({ target: 'tiny-qcow2' })
        .filter((e) => e.action === 'imagelist.image.rotate')
        .map((e) => (e.detail as { step: string }).step);
      assert.deepEqual(steps.reverse(), ['A', 'B', 'C', 'D', 'E']);
    } finally {
      inventory.close();
    }

    const events = heardEvents();
    assert.deepEqual(
      events.map((e) => e.VMCATCHER_EVENT_TYPE),
      [
        'ProcessPrefix',
        'SubscriptionImageNew',
        'AvailablePrefix',
        'AvailablePostfix',
        'ProcessPostfix',
      ],
    );
    const available = events[3]!;
    assert.deepEqual(available, {
      VMCATCHER_EVENT_TYPE: 'AvailablePostfix',
      VMCATCHER_EVENT_IL_DC_IDENTIFIER: LIST_ID,
      VMCATCHER_EVENT_DC_IDENTIFIER: 'tiny-qcow2',
      VMCATCHER_EVENT_DC_TITLE: 'Tiny qcow2',
      VMCATCHER_EVENT_HV_URI: qcow2V2.uri,
      VMCATCHER_EVENT_HV_SIZE: String(qcow2V2.size),
      VMCATCHER_EVENT_HV_VERSION: '2',
      VMCATCHER_EVENT_HV_FORMAT: 'qcow2',
      VMCATCHER_EVENT_HV_HYPERVISOR: 'QEMU,KVM',
      VMCATCHER_EVENT_SL_CHECKSUM_SHA512: qcow2V2.sha512,
      VMCATCHER_EVENT_SL_ARCH: 'x86_64',
      VMCATCHER_EVENT_SL_OS: 'Linux',
      VMCATCHER_EVENT_SL_OSVERSION: 'Tiny 1',
    });
  });

  await t.test('every refusal: its own error, nothing changed', async () => {
    const held = await state();
    const refusals: [string, () => void, RegExp][] = [
      [
        'a signature that does not verify',
        () => {
          const file = join(folder.dir, 'endorsed.smime');
          publish({ version: '1.2', images: [qcow2V2, ova] });
          writeFileSync(file, readFileSync(file, 'utf8').replace('"1.2"', '"1.3"'));
        },
        /signature does not verify against the trusted CAs/,
      ],
      [
        'a signer that is not the endorser',
        () => publish({ version: '1.2', images: [qcow2V2, ova] }, pki.other),
        /is signed by .*Joe Other.*, not by its endorser/,
      ],
      [
        'a CA nobody trusts',
        () => publish({ version: '1.2', images: [qcow2V2, ova] }, pki.rogue),
        /signature does not verify/,
      ],
      [
        'another identifier',
        () => publish({ identifier: randomUUID(), version: '1.2', images: [qcow2V2, ova] }),
        /dc:identifier is .*, not .* as subscribed/,
      ],
      [
        'a creation date in the future',
        () =>
          publish({
            version: '1.2',
            created: new Date(Date.now() + 3_600_000),
            images: [qcow2V2, ova],
          }),
        /creation date .* is in the future/,
      ],
      [
        'an older version',
        () => publish({ version: '1.0.9', images: [qcow2V1, ova] }),
        /version 1\.0\.9 is older than the version 1\.1 already held/,
      ],
      [
        'an unsigned list',
        () => publish({ version: '1.2', images: [qcow2V2, ova] }, null),
        /not signed/,
      ],
    ];
    for (const [what, make, message] of refusals) {
      make();
      const r = await ctl(['imagelist', 'update', 'endorsed']);
      assert.equal(r.code, 1, `${what}: ${r.stderr}`);
      assert.match(r.stderr, message, what);
      assert.deepEqual(await state(), held, `${what}: nothing changed`);
      const { subscription } = await shown('endorsed');
      assert.match(subscription.lastError ?? '', message, `${what}: the last error`);
      assert.deepEqual(heardEvents(), [], `${what}: no event`);
    }
  });

  const qcowVm = `${bed.prefix}list2`;
  const ovaVm = `${bed.prefix}list3`;
  await t.test('the new qcow2 version and the OVA provisioned, the old VM untouched', async () => {
    vms.push(qcowVm, ovaVm);
    const r = await provision('tiny-qcow2', qcowVm);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(await virsh.state(qcowVm), 'running');
    const backing = async (vm: string) =>
      (
        JSON.parse(
          await ssh.run([
            'qemu-img',
            'info',
            '-U',
            '--output=json',
            `${bed.imagesDir}/${vm}-vda.qcow2`,
          ]),
        ) as { 'backing-filename': string }
      )['backing-filename'];
    const oldCopy = await backing(oldVm);
    const newCopy = await backing(qcowVm);
    assert.notEqual(newCopy, oldCopy, 'the new version has a file of its own');
    assert.equal((await ssh.run(['sha512sum', oldCopy])).split(' ')[0], qcow2V1.sha512);
    assert.equal((await ssh.run(['sha512sum', newCopy])).split(' ')[0], qcow2V2.sha512);
    assert.equal(await virsh.state(oldVm), 'running');

    assert.equal(
      (await ctl(['image', 'settings', 'tiny-ova', '--enable', '--every-pool'])).code,
      0,
    );
    const o = await provision('tiny-ova', ovaVm);
    assert.equal(o.code, 0, o.stderr + o.stdout);
    const log = await taskLogText(ctl, (JSON.parse(o.stdout) as TaskJson).id);
    assert.match(
      log,
      /Unpacking tiny-disk1\.vmdk \(vmdk\) from .*\.ova and converting it to qcow2/,
    );
    assert.equal(await virsh.state(ovaVm), 'running');
    const converted = await backing(ovaVm);
    assert.equal(converted, `${pool}/template-tiny-ova.qcow2`);
    // The converted copy holds the tiny VM's disk; the OVA and the work folder are gone.
    await ssh.run([
      'qemu-img',
      'compare',
      '-U',
      '-f',
      'qcow2',
      '-F',
      'qcow2',
      bed.tinyVm.dataDisk,
      converted,
    ]);
    const left = (await ssh.run(['ls', '-A', pool])).split('\n').filter(Boolean);
    assert.equal(left.filter((f) => f.includes('tiny-ova')).join(' '), 'template-tiny-ova.qcow2');
  });

  await t.test('an expired list: marked expired, its images expire, VMs keep running', async () => {
    publish({
      version: '1.2',
      created: new Date(Date.now() - 7_200_000),
      expires: new Date(Date.now() - 60_000),
      images: [qcow2V2, ova],
    });
    const r = await ctl(['imagelist', 'update', 'endorsed']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /expired on .*: the subscription is marked expired/);
    const { subscription, images } = await shown('endorsed');
    assert.equal(subscription.state, 'expired');
    assert.deepEqual(
      images.map((i) => i.state),
      ['expired', 'expired'],
    );
    const rows = await templates();
    assert.ok(
      rows.every((x) => /_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\dZ$/.test(x.name) && !x.enabled),
      JSON.stringify(rows.map((x) => [x.name, x.enabled])),
    );
    assert.deepEqual(
      heardEvents().map((e) => e.VMCATCHER_EVENT_TYPE),
      ['ExpirePrefix', 'ExpirePostfix', 'ExpirePrefix', 'ExpirePostfix'],
    );
    for (const vm of [oldVm, qcowVm, ovaVm]) assert.equal(await virsh.state(vm), 'running');
  });
});
