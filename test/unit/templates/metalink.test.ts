import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMetalink, parseMetalink } from '../../../app/main/templates/metalink.js';

const sha256 = 'ab'.repeat(32);

test('Metalink 4: urls by priority (missing last), metaurls ignored, hashes kept', () => {
  const file = parseMetalink(`<?xml version="1.0" encoding="UTF-8"?>
<metalink xmlns="urn:ietf:params:xml:ns:metalink">
  <file name="tmpl.qcow2">
    <size>1234</size>
    <hash type="md5">${'cd'.repeat(16)}</hash>
    <hash type="sha-256">${sha256.toUpperCase()}</hash>
    <metaurl mediatype="torrent">http://example.org/tmpl.torrent</metaurl>
    <url>http://c.example.org/none</url>
    <url priority="2">http://b.example.org/tmpl.qcow2</url>
    <url priority="1">http://a.example.org/tmpl.qcow2</url>
    <url priority="1">ftp://ftp.example.org/tmpl.qcow2</url>
    <url priority="3">http://d.example.org/a;reboot</url>
  </file>
</metalink>`);
  assert.deepEqual(file.urls, [
    'http://a.example.org/tmpl.qcow2',
    'http://b.example.org/tmpl.qcow2',
    'http://c.example.org/none',
  ]);
  assert.equal(file.skipped.length, 2);
  assert.equal(file.size, 1234);
  assert.equal(file.name, 'tmpl.qcow2');
  assert.deepEqual(file.hashes[0], { algorithm: 'sha256', hex: sha256 });
  assert.equal(file.hashes[1]?.algorithm, 'md5');
});

test('Metalink 3: urls by preference (higher first)', () => {
  const file = parseMetalink(`<?xml version="1.0"?>
<metalink version="3.0" xmlns="http://www.metalinker.org/">
  <files><file name="x.iso">
    <size>10</size>
    <verification><hash type="sha256">${sha256}</hash><hash type="sha1">${'12'.repeat(20)}</hash></verification>
    <resources>
      <url type="http" preference="10">http://low.example.org/x.iso</url>
      <url type="http" preference="90">http://high.example.org/x.iso</url>
      <url type="bittorrent" preference="100">http://t.example.org/x.torrent?a=[1]</url>
    </resources>
  </file></files>
</metalink>`);
  assert.deepEqual(file.urls, ['http://high.example.org/x.iso', 'http://low.example.org/x.iso']);
  assert.deepEqual(
    file.hashes.map((h) => h.algorithm),
    ['sha256', 'sha1'],
  );
});

test('metalinks are recognised by name or content type; other XML is refused', () => {
  assert.ok(isMetalink('http://x/a.metalink'));
  assert.ok(isMetalink('http://x/a.meta4?x=1'));
  assert.ok(isMetalink('http://x/a', 'application/metalink4+xml; charset=utf-8'));
  assert.ok(!isMetalink('http://x/a.qcow2', 'application/octet-stream'));
  assert.throws(() => parseMetalink('<domain/>'), /Not a metalink/);
  assert.throws(() => parseMetalink('<metalink xmlns="urn:x"/>'), /namespace/);
});
