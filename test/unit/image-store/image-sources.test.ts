// Appliance files by URL: image.conf's URL and checksum keys checked when the store is read,
// mirrors applied, the host cache's names, and the distributions' checksum files read.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConf } from '../../../app/main/image-store/conf-file.js';
import {
  cacheName,
  checksumFromList,
  urlSource,
} from '../../../app/main/image-store/image-sources.js';
import { ImageStore, REPOSITORY_STORE } from '../../../app/main/image-store/image-store.js';
import { resolveParams } from '../../../app/main/image-store/parameters.js';

const SHA512 = 'ab'.repeat(64);
const SHA256 = 'cd'.repeat(32);
const conf = (text: string) => parseConf(text, 'image.conf');

test('a URL source needs a sha256/sha512 checksum or a checksum file, and nothing a shell reads', () => {
  const ok = urlSource(
    conf(
      `vda_image_src = https://example.org/a/disk.qcow2\nvda_image_src_checksum = {sha512}${SHA512}`,
    ),
    'vda_image_src',
    'image.conf',
  );
  assert.deepEqual(ok.checksum, { algorithm: 'sha512', hex: SHA512 });
  assert.equal(ok.fileName, 'disk.qcow2');
  const list = urlSource(
    conf(
      'kernel_src = http://example.org/k\nkernel_src_checksum_url = http://example.org/SHA256SUMS',
    ),
    'kernel_src',
    'image.conf',
  );
  assert.equal(list.checksumUrl, 'http://example.org/SHA256SUMS');
  for (const [text, why] of [
    ['vda_image_src = https://example.org/d.qcow2', /must say how to verify it/],
    [
      `vda_image_src = https://example.org/d.qcow2\nvda_image_src_checksum = {md5}${'a'.repeat(32)}`,
      /sha256.*sha512/,
    ],
    [
      `vda_image_src = https://example.org/d.qcow2\nvda_image_src_checksum = {sha256}${SHA512}`,
      /needs 64 hex/,
    ],
    [
      `vda_image_src = https://example.org/$(reboot).qcow2\nvda_image_src_checksum = {sha256}${SHA256}`,
      /not allowed/,
    ],
    [
      `vda_image_src = https://example.org/d.qcow2\nvda_image_src_checksum_url = ftp://example.org/SUMS`,
      /only http and https/,
    ],
    [
      `vda_image_src = https://example.org/d.qcow2\nvda_image_src_checksum = {sha256}${SHA256}\nvda_image_src_checksum_url = https://example.org/S`,
      /not both/,
    ],
  ] as const)
    assert.throws(() => urlSource(conf(text), 'vda_image_src', 'image.conf'), why, text);
});

test('a mirror changes where a URL is fetched, not what verifies it; the cache name follows the URL', () => {
  const text = `vda_image_src = https://cloud.example.org/images/d.qcow2\nvda_image_src_checksum_url = https://cloud.example.org/images/SHA512SUMS`;
  const mirrors = [{ from: 'https://cloud.example.org/images/', to: 'http://127.0.0.1:8080/m/' }];
  const source = urlSource(conf(text), 'vda_image_src', 'image.conf', mirrors);
  assert.equal(source.url, 'http://127.0.0.1:8080/m/d.qcow2');
  assert.equal(source.checksumUrl, 'http://127.0.0.1:8080/m/SHA512SUMS');
  const direct = urlSource(conf(text), 'vda_image_src', 'image.conf');
  assert.notEqual(cacheName(source), cacheName(direct));
  assert.equal(cacheName(source), cacheName(urlSource(conf(text), 'vda_image_src', 'x', mirrors)));
  assert.match(cacheName(source), /^url-[0-9a-f]{32}-d\.qcow2$/);
});

test('checksum files: SHA512SUMS, SHA256SUMS with *, Fedora CHECKSUM (signed), openSUSE .sha256', () => {
  const sums = `${SHA512}  other.qcow2\n${'ef'.repeat(64)}  debian-12-genericcloud-amd64.qcow2\n`;
  assert.deepEqual(checksumFromList(sums, 'debian-12-genericcloud-amd64.qcow2'), {
    algorithm: 'sha512',
    hex: 'ef'.repeat(64),
  });
  assert.equal(checksumFromList(sums, 'missing.qcow2'), undefined);
  assert.equal(checksumFromList(`${SHA256} *noble.img\n`, 'noble.img')?.hex, SHA256);
  const fedora = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n# Fedora-Cloud-Base-Generic-41-1.4.x86_64.qcow2: 491716608 bytes\nSHA256 (Fedora-Cloud-Base-Generic-41-1.4.x86_64.qcow2) = ${SHA256.toUpperCase()}\n-----BEGIN PGP SIGNATURE-----\n\nxyz\n-----END PGP SIGNATURE-----\n`;
  assert.deepEqual(checksumFromList(fedora, 'Fedora-Cloud-Base-Generic-41-1.4.x86_64.qcow2'), {
    algorithm: 'sha256',
    hex: SHA256,
  });
  // One image's own file may name the build its URL redirects to.
  const suse = `${SHA256}  openSUSE-Leap-15.6-Minimal-VM.x86_64-15.6.0-Cloud-Build19.143.qcow2\n`;
  assert.equal(
    checksumFromList(suse, 'openSUSE-Leap-15.6-Minimal-VM.x86_64-Cloud.qcow2')?.hex,
    SHA256,
  );
});

test('the store: URL files are never missing, mirrors come from image_store.conf, checksum keys are no parameters', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'image-sources-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const own = join(dir, 'own');
  mkdirSync(own);
  writeFileSync(
    join(own, 'image_store.conf'),
    'mirrors = https://cloud.debian.org/images/cloud/ http://127.0.0.1:9/debian-cloud/\n',
  );
  const store = new ImageStore({ stores: [REPOSITORY_STORE, own] });
  const debian = store.get('debian-genericcloud');
  assert.deepEqual(debian.missing, []);
  assert.equal(debian.cloudInit, true);
  assert.equal(debian.urls.length, 1);
  assert.match(debian.urls[0]!.url, /^http:\/\/127\.0\.0\.1:9\/debian-cloud\/bookworm\/.*\.qcow2$/);
  assert.equal(
    debian.disks[0]!.source.kind === 'image' && debian.disks[0]!.source.file,
    debian.urls[0]!.url,
  );
  const params = resolveParams(debian, 'vm1');
  assert.ok(!Object.keys(params).some((k) => /checksum|source_url|licence|cloud_init/.test(k)));

  writeFileSync(join(own, 'image_store.conf'), 'mirrors = https://a.example/ only-one-url\n');
  assert.throws(() => store.list(), /mirrors/);
});

test('every distribution appliance reads cleanly, with a checksum file beside its image', () => {
  for (const distro of ['fedora', 'ubuntu', 'suse']) {
    const dir = mkdtempSync(join(tmpdir(), 'distro-store-'));
    try {
      cpSync(join(REPOSITORY_STORE, '..', 'distros', distro, 'image_store'), dir, {
        recursive: true,
      });
      const [appliance, ...more] = new ImageStore({ stores: [dir] }).list();
      assert.equal(more.length, 0, distro);
      assert.equal(appliance!.cloudInit, true, distro);
      assert.match(appliance!.urls[0]!.url, /^https:\/\//, distro);
      assert.match(appliance!.urls[0]!.checksumUrl ?? '', /^https:\/\//, distro);
      assert.equal(
        appliance!.disks[0]!.source.kind === 'image' && appliance!.disks[0]!.source.format,
        'qcow2',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
