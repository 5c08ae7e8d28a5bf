// Subscriptions over a real in-memory inventory: lists signed by an openssl-made endorser, fetched
// from memory, registered through a fake registration (no host); the rotation A-E, expiry, hooks
// and refusals as the inventory and the audit trail see them.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import {
  ImageListService,
  type ImageListServiceOptions,
} from '../../../app/main/image-lists/image-list-service.js';
import { ImageListRefusedError } from '../../../app/main/image-lists/hepix.js';
import { SubscriptionStore } from '../../../app/main/image-lists/subscription-store.js';
import { AuditLog } from '../../../app/main/inventory/audit.js';
import { openDatabase } from '../../../app/main/inventory/database.js';
import { UrlTemplateRecords } from '../../../app/main/templates/template-records.js';
import type { RegisterRequest } from '../../../app/shared/validation/url-template.js';
import { parseChecksum } from '../../../app/shared/validation/download-source.js';
import {
  imageListJson,
  makeImageListPki,
  signImageList,
  type ListImage,
  type ListSpec,
} from '../../support/image-list-fixtures.js';

const pki = makeImageListPki();
after(() => rmSync(pki.dir, { recursive: true, force: true }));

const LIST_ID = '0c5b2c52-7f5e-4c38-a0a4-2d1f3f7e9a10';
const URL = 'http://lists.example.org/endorsed.smime';
const image = (id: string, version: string, over: Partial<ListImage> = {}): ListImage => ({
  identifier: id,
  uri: `http://images.example.org/${id}-${version}.qcow2`,
  size: 1000,
  sha512: version.padStart(128, '0'),
  version,
  ...over,
});

function setup() {
  const db = openDatabase(':memory:');
  const records = new UrlTemplateRecords(db);
  const audit = new AuditLog(db, 'tester');
  const store = new SubscriptionStore(db);
  let published = '';
  let clock = new Date('2026-12-05T12:00:00Z');
  const hooks: Record<string, string>[] = [];
  /** signer null: an unsigned list. */
  const publish = (spec: Partial<ListSpec>, signer: typeof pki.endorser | null = pki.endorser) => {
    const json = imageListJson({
      identifier: LIST_ID,
      version: '1.0',
      endorser: pki.endorser,
      images: [],
      created: new Date(clock.getTime() - 60_000),
      expires: new Date(clock.getTime() + 86_400_000),
      ...spec,
    });
    published = signer ? signImageList(json, signer, pki.dir) : json;
  };
  const options: ImageListServiceOptions = {
    store,
    records,
    register: (r: RegisterRequest) => {
      records.add({
        name: r.name,
        format: r.format ?? 'qcow2',
        url: r.url,
        checksum: parseChecksum(r.checksum!),
        hypervisor: r.hypervisor ?? 'kvm',
        headers: [],
        directDownload: true,
        downloadState: 'BYPASSED',
        size: 1000,
      });
      return Promise.resolve();
    },
    audit: (input) => audit.record(input),
    fetchList: () => Promise.resolve(published),
    eventHandler: '/usr/local/bin/handler',
    runHook: (_handler, vars) => {
      hooks.push(vars);
      return Promise.resolve({
        ok: vars.VMCATCHER_EVENT_TYPE !== 'ProcessPostfix',
        output: 'boom',
      });
    },
    now: () => clock,
  };
  return {
    service: new ImageListService(options),
    records,
    audit,
    store,
    hooks,
    publish,
    tick: (ms: number) => (clock = new Date(clock.getTime() + ms)),
  };
}

test('subscribe registers every image disabled; a new version rotates A-E keeping settings', async () => {
  const t = setup();
  t.publish({
    images: [image('img-a', '1'), image('img-b', '1'), image('img-ova', '1', { format: 'OVA' })],
  });
  const first = await t.service.subscribe({ url: URL, name: 'cern', trustCaFile: pki.caFile });
  assert.deepEqual(first.registered, ['img-a', 'img-b']);
  assert.equal(first.problems[0]!.identifier, 'img-ova');
  assert.equal(t.records.get('img-a').enabled, false, 'a first download is disabled');
  assert.equal(t.store.image('cern', 'img-ova')!.state, 'unusable');

  t.records.setSettings('img-a', { enabled: true, serverPools: [7] });
  t.tick(3_600_000);
  t.publish({ version: '1.10', images: [image('img-a', '2'), image('img-b', '1')] });
  t.hooks.length = 0;
  const logged: string[] = [];
  const second = await t.service.update('cern', (l) => logged.push(l));
  assert.deepEqual(second.rotated, ['img-a']);
  assert.deepEqual(second.unchanged, ['img-b']);
  assert.deepEqual(second.expired, ['img-ova']);
  const names = t.records.list().map((r) => r.name);
  const old = 'img-a_2026-12-05_13-00-00Z';
  assert.deepEqual(names.sort(), ['img-a', old, 'img-b'].sort());
  assert.deepEqual(t.records.settings(old), { enabled: false, serverPools: [] });
  assert.deepEqual(t.records.settings('img-a'), { enabled: true, serverPools: [7] });
  assert.equal(t.records.get('img-a').url, 'http://images.example.org/img-a-2.qcow2');
  for (const step of ['A)', 'B)', 'C)', 'D)', 'E)']) {
    assert.ok(
      logged.some((l) => l.startsWith(step)),
      step,
    );
  }
  const steps = t.audit
    .list({ target: 'img-a' })
    .filter((e) => e.action === 'imagelist.image.rotate')
    .map((e) => (e.detail as { step: string }).step);
  assert.deepEqual(steps.reverse(), ['A', 'B', 'C', 'D', 'E']);
  assert.deepEqual(
    t.hooks.map((h) => h.VMCATCHER_EVENT_TYPE),
    [
      'ProcessPrefix',
      'SubscriptionImageNew',
      'AvailablePrefix',
      'AvailablePostfix',
      'ExpirePrefix',
      'ExpirePostfix',
      'ProcessPostfix',
    ],
  );
  const available = t.hooks[3]!;
  assert.equal(available.VMCATCHER_EVENT_DC_IDENTIFIER, 'img-a');
  assert.equal(available.VMCATCHER_EVENT_HV_VERSION, '2');
  assert.equal(available.VMCATCHER_EVENT_IL_DC_IDENTIFIER, LIST_ID);
  assert.equal(available.VMCATCHER_EVENT_HV_SIZE, '1000');
  assert.ok(!('VMCATCHER_EVENT_DC_DESCRIPTION' in available), 'empty values are not exported');
  assert.ok(logged.some((l) => /handler .* failed on ProcessPostfix: boom/.test(l)));
  assert.equal(t.store.get('cern').version, '1.10');
});

test('refusals change nothing; an expired list expires its images', async () => {
  const t = setup();
  t.publish({ version: '2.0', images: [image('img-a', '1')] });
  await t.service.subscribe({ url: URL, name: 'cern', trustCaFile: pki.caFile });
  const before = JSON.stringify([t.records.list(), t.store.images('cern')]);
  const refused = async (reason: string) => {
    await assert.rejects(
      t.service.update('cern'),
      (err) => err instanceof ImageListRefusedError && err.reason === reason,
    );
    assert.equal(JSON.stringify([t.records.list(), t.store.images('cern')]), before, reason);
    assert.match(t.store.get('cern').lastError ?? '', /./);
  };
  t.publish({ version: '3.0', images: [image('img-a', '2')] }, pki.other);
  await refused('wrong-signer');
  t.publish({ version: '3.0', images: [image('img-a', '2')] }, pki.rogue);
  await refused('bad-signature');
  t.publish({ identifier: 'another', version: '3.0' });
  await refused('identifier-mismatch');
  t.publish({ version: '1.9', images: [image('img-a', '2')] });
  await refused('older-version');
  t.publish({ version: '3.0', created: new Date('2027-01-01T00:00:00Z') });
  await refused('created-in-future');
  assert.equal(t.audit.list({ target: 'cern' }).filter((e) => e.outcome === 'refused').length, 5);

  t.publish({ version: '3.0', expires: new Date('2026-12-05T11:00:00Z') });
  await assert.rejects(t.service.update('cern'), /expired/);
  assert.equal(t.store.get('cern').state, 'expired');
  assert.equal(t.store.image('cern', 'img-a')!.state, 'expired');
  assert.equal(t.records.find('img-a'), undefined);
  assert.equal(t.records.list()[0]!.name, 'img-a_2026-12-05_12-00-00Z');
  assert.equal(t.records.list()[0]!.enabled, false);
});

test('a subscription needs trusted CAs or --allow-unsigned; an unsigned list needs the latter', async () => {
  const t = setup();
  assert.throws(() => t.service.validate({ url: URL }), /--trust-ca FILE or --trust-ca-dir DIR/);
  assert.throws(() => t.service.validate({ url: URL, trustCaFile: 'relative.pem' }), /absolute/);
  assert.throws(() => t.service.validate({ url: URL, trustCaDir: pki.caFile }), /No CA folder/);
  assert.equal(t.service.validate({ url: URL, trustCaDir: pki.caDir }).name, 'lists.example.org');
  t.publish({ images: [image('img-a', '1')] }, null);
  await assert.rejects(
    t.service.subscribe({ url: URL, trustCaFile: pki.caFile }),
    (err) => err instanceof ImageListRefusedError && err.reason === 'unsigned',
  );
  assert.equal(t.store.list().length, 0, 'a refused subscription leaves nothing');
  const unsigned = await t.service.subscribe({ url: URL, name: 'open', allowUnsigned: true });
  assert.deepEqual(unsigned.registered, ['img-a']);
  assert.equal(t.store.get('open').endorser, undefined);
});
