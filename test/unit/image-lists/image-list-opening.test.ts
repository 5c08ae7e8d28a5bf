import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { checkAcceptable } from '../../../app/main/image-lists/acceptance.js';
import {
  compareVersions,
  ImageListRefusedError,
  parseImageList,
  type ImageListRefusal,
} from '../../../app/main/image-lists/hepix.js';
import { isSignedMessage, openImageList } from '../../../app/main/image-lists/signature.js';
import {
  imageListJson,
  makeImageListPki,
  signImageList,
  type ListSpec,
} from '../../support/image-list-fixtures.js';

const pki = makeImageListPki();
after(() => rmSync(pki.dir, { recursive: true, force: true }));

const sha512 = 'ab'.repeat(64);
const spec = (over: Partial<ListSpec> = {}): ListSpec => ({
  identifier: 'c6a9e2f4-3b1d-4e3a-9d7e-0a1b2c3d4e5f',
  version: '3.3.0',
  endorser: pki.endorser,
  images: [
    { identifier: 'img-1', uri: 'http://example.org/a.qcow2', size: 10, sha512, version: '1' },
  ],
  ...over,
});

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<ImageListRefusal> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    assert.ok(err instanceof ImageListRefusedError, String(err));
    return err.reason;
  }
  assert.fail('not refused');
}

test('versions compare numerically by parts', () => {
  assert.equal(compareVersions('3.3.0', '3.10.0'), -1);
  assert.equal(compareVersions('10', '9'), 1);
  assert.equal(compareVersions('1.0', '1.0'), 0);
  assert.equal(compareVersions('1.0', '1.0.1'), -1);
  assert.equal(compareVersions('2.0.0', '1.99.99'), 1);
});

test('images missing required fields are dropped with the reason; the others stay', () => {
  const doc = JSON.parse(imageListJson(spec())) as {
    'hv:imagelist': { 'hv:images': { 'hv:image': Record<string, unknown> }[] };
  };
  const images = doc['hv:imagelist']['hv:images'];
  const good = images[0]!['hv:image'];
  images.push({ 'hv:image': { ...good, 'dc:identifier': 'no-sum', 'sl:checksum:sha512': '' } });
  images.push({ 'hv:image': { ...good, 'dc:identifier': 'bad-size', 'hv:size': 'big' } });
  const noUri: Record<string, unknown> = { ...good, 'dc:identifier': 'no-uri' };
  delete noUri['hv:uri'];
  images.push({ 'hv:image': noUri });
  images.push({ 'hv:image': { ...good } });
  const list = parseImageList(JSON.stringify(doc));
  assert.deepEqual(
    list.images.map((i) => i.identifier),
    ['img-1'],
  );
  assert.deepEqual(
    list.dropped.map((d) => [d.identifier, d.reason]),
    [
      ['no-sum', 'it has no sl:checksum:sha512'],
      ['bad-size', 'its hv:size "big" is not a byte count'],
      ['no-uri', 'it has no hv:uri'],
      ['img-1', 'its dc:identifier is listed twice'],
    ],
  );
  assert.equal(list.version, '3.3.0');
  assert.equal(list.endorser.dn, pki.endorser.dn);
});

test('a list missing a required field is refused as a whole', async () => {
  for (const key of ['dc:identifier', 'dc:date:created', 'hv:version', 'hv:images']) {
    const doc = JSON.parse(imageListJson(spec())) as { 'hv:imagelist': Record<string, unknown> };
    delete doc['hv:imagelist'][key];
    assert.equal(await refusal(() => parseImageList(JSON.stringify(doc))), 'malformed', key);
  }
  assert.equal(await refusal(() => parseImageList('not json')), 'malformed');
  const badDate = imageListJson(spec()).replace(
    /"dc:date:expires": "[^"]+"/,
    '"dc:date:expires": "tomorrow"',
  );
  assert.equal(await refusal(() => parseImageList(badDate)), 'malformed');
});

test('a signed list verifies against a CA file and a hashed CA folder', async () => {
  const signed = signImageList(imageListJson(spec()), pki.endorser, pki.dir);
  assert.ok(isSignedMessage(signed));
  for (const trust of [{ caFile: pki.caFile }, { caDir: pki.caDir }]) {
    const opened = await openImageList(signed, { trust, endorserDn: pki.endorser.dn });
    assert.equal(opened.list.identifier, spec().identifier);
    assert.deepEqual(opened.signer, { subject: pki.endorser.dn, issuer: pki.endorser.ca });
  }
});

test('refusals: bad signature, untrusted CA, wrong signer, pinned endorser, unsigned', async () => {
  const json = imageListJson(spec());
  const trust = { caFile: pki.caFile };
  const tampered = signImageList(json, pki.endorser, pki.dir).replace('3.3.0', '3.3.1');
  assert.equal(await refusal(openImageList(tampered, { trust })), 'bad-signature');
  const byRogue = signImageList(json, pki.rogue, pki.dir);
  assert.equal(await refusal(openImageList(byRogue, { trust })), 'bad-signature');
  const byOther = signImageList(json, pki.other, pki.dir);
  assert.equal(await refusal(openImageList(byOther, { trust })), 'wrong-signer');
  const signed = signImageList(json, pki.endorser, pki.dir);
  const pinned = openImageList(signed, { trust, endorserDn: pki.other.dn });
  assert.equal(await refusal(pinned), 'wrong-signer');
  assert.equal(await refusal(openImageList(signed, {})), 'bad-signature');
  assert.equal(await refusal(openImageList(json, { trust })), 'unsigned');
  const unsigned = await openImageList(json, { allowUnsigned: true });
  assert.equal(unsigned.signer, undefined);
  assert.equal(unsigned.list.images.length, 1);
});

test('a new list must keep the identifier, not come from the future, not be older or expired', async () => {
  const now = new Date();
  const list = (over: Partial<ListSpec>) => parseImageList(imageListJson(spec(over)));
  const held = { identifier: spec().identifier, version: '3.3.0' };
  checkAcceptable(list({}), held, now);
  checkAcceptable(list({ version: '3.10.0' }), held, now);
  checkAcceptable(list({}), {}, now);
  const cases: [Partial<ListSpec>, ImageListRefusal][] = [
    [{ identifier: 'another' }, 'identifier-mismatch'],
    [{ created: new Date(now.getTime() + 3_600_000) }, 'created-in-future'],
    [{ version: '3.2.9' }, 'older-version'],
    [{ expires: new Date(now.getTime() - 1000) }, 'expired'],
  ];
  for (const [over, reason] of cases) {
    assert.equal(await refusal(() => checkAcceptable(list(over), held, now)), reason);
  }
});
