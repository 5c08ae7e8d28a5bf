import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { sha256Fingerprint } from '../../../app/main/ssh/host-key.js';
import {
  formatKnownHostsLine,
  lookupHost,
  matchesWildcard,
  parseKnownHosts,
  parseKnownHostsDetailed,
} from '../../../app/main/ssh/known-hosts.js';
import { sshString } from '../../support/ssh-wire.js';

/** A well-formed ed25519 public key blob (random, which is all known_hosts cares about). */
function ed25519Blob(): Buffer {
  return Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(randomBytes(32))]);
}

function line(hosts: string, blob: Buffer, marker = ''): string {
  return `${marker ? `${marker} ` : ''}${hosts} ssh-ed25519 ${blob.toString('base64')}`;
}

function hostsWithKey(text: string, host: string, port: number): string[] {
  return lookupHost(parseKnownHosts(text), host, port).keys.map((k) => k.fingerprint);
}

test('entries hashed by ssh-keygen -H are found by host name and by [host]:port', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const web = ed25519Blob();
  const bed = ed25519Blob();
  const file = join(dir, 'known_hosts');
  writeFileSync(file, `${line('web1.example.com', web)}\n${line('[127.0.0.1]:2222', bed)}\n`);
  const hashed = spawnSync('ssh-keygen', ['-H', '-f', file], { encoding: 'utf8' });
  assert.equal(hashed.status, 0, `ssh-keygen -H (openssh-client) is needed: ${hashed.stderr}`);

  const text = readFileSync(file, 'utf8');
  assert.doesNotMatch(text, /web1|127\.0\.0\.1/);
  assert.equal(text.trim().split('\n').length, 2);
  for (const row of text.trim().split('\n')) assert.match(row, /^\|1\|[^|]+\|[^| ]+ ssh-ed25519 /);

  assert.deepEqual(hostsWithKey(text, 'web1.example.com', 22), [sha256Fingerprint(web)]);
  assert.deepEqual(hostsWithKey(text, 'WEB1.example.com', 22), [sha256Fingerprint(web)]);
  assert.deepEqual(hostsWithKey(text, '127.0.0.1', 2222), [sha256Fingerprint(bed)]);
  assert.deepEqual(hostsWithKey(text, '127.0.0.1', 22), []);
  assert.deepEqual(hostsWithKey(text, 'web1.example.com', 2222), []);
  assert.deepEqual(hostsWithKey(text, 'web2.example.com', 22), []);
});

test('a hashed entry is HMAC-SHA1 keyed by its salt over the host name', () => {
  const blob = ed25519Blob();
  const salt = randomBytes(20);
  const hash = (name: string) => createHmac('sha1', salt).update(name).digest('base64');
  const hashedHost = (name: string) => `|1|${salt.toString('base64')}|${hash(name)}`;
  const text = [line(hashedHost('db.lan'), blob), line(hashedHost('[db.lan]:2200'), blob)].join(
    '\n',
  );
  const [plain, bracketed] = parseKnownHosts(text);
  assert.ok(plain && bracketed);
  assert.equal(plain.patterns[0]?.kind, 'hashed');
  assert.deepEqual(
    lookupHost([plain], 'db.lan', 22).keys.map((k) => k.line),
    [1],
  );
  assert.deepEqual(lookupHost([plain], 'db.lan', 2200).keys, []);
  assert.deepEqual(
    lookupHost([bracketed], 'db.lan', 2200).keys.map((k) => k.line),
    [2],
  );
  assert.deepEqual(lookupHost([bracketed], 'db.lan', 22).keys, []);
});

test('port 22 entries are plain names; other ports only match [host]:port', () => {
  const on22 = ed25519Blob();
  const on2222 = ed25519Blob();
  const text = [line('web1', on22), line('[web1]:2222', on2222)].join('\n');
  assert.deepEqual(hostsWithKey(text, 'web1', 22), [sha256Fingerprint(on22)]);
  assert.deepEqual(hostsWithKey(text, 'web1', 2222), [sha256Fingerprint(on2222)]);
  assert.deepEqual(hostsWithKey(text, 'web1', 2200), []);
  const found = lookupHost(parseKnownHosts(text), 'web1', 22).keys[0]!;
  assert.equal(found.algorithm, 'ssh-ed25519');
  assert.ok(found.blob.equals(on22));
});

test('wildcards and negations follow OpenSSH pattern lists', () => {
  const blob = ed25519Blob();
  const fp = sha256Fingerprint(blob);
  const text = [
    line('*.example.com,!bad.example.com', blob),
    line('node?', blob),
    line('[*.lan]:2222', blob),
    line('!only-negated', blob),
  ].join('\n');
  assert.deepEqual(hostsWithKey(text, 'a.example.com', 22), [fp]);
  assert.deepEqual(hostsWithKey(text, 'A.Example.COM', 22), [fp]);
  assert.deepEqual(hostsWithKey(text, 'bad.example.com', 22), []);
  assert.deepEqual(hostsWithKey(text, 'example.com', 22), []);
  assert.deepEqual(hostsWithKey(text, 'node7', 22), [fp]);
  assert.deepEqual(hostsWithKey(text, 'node17', 22), []);
  assert.deepEqual(hostsWithKey(text, 'kvm.lan', 2222), [fp]);
  assert.deepEqual(hostsWithKey(text, 'kvm.lan', 22), []);
  assert.deepEqual(hostsWithKey(text, 'anything', 22), []);

  assert.ok(matchesWildcard('abc', 'a*c'));
  assert.ok(matchesWildcard('ac', 'a*c'));
  assert.ok(matchesWildcard('a.b.c', '*.*'));
  assert.ok(!matchesWildcard('abd', 'a*c'));
  assert.ok(matchesWildcard('', '*'));
  assert.ok(!matchesWildcard('', '?'));
  // A pathological pattern stays fast (no regular-expression backtracking).
  assert.ok(!matchesWildcard('a'.repeat(5000), `${'*a'.repeat(50)}b`));
});

test('@revoked keys are reported apart from trusted keys; @cert-authority lines are skipped', () => {
  const revoked = ed25519Blob();
  const ca = ed25519Blob();
  const text = [
    line('*', revoked, '@revoked'),
    line('web1', revoked),
    line('*.example.com', ca, '@cert-authority'),
  ].join('\n');
  const entries = parseKnownHosts(text);
  assert.deepEqual(
    entries.map((e) => e.marker),
    ['revoked', null, 'cert-authority'],
  );
  const web1 = lookupHost(entries, 'web1', 22);
  assert.equal(web1.revoked.length, 1);
  assert.ok(web1.revoked[0]!.equals(revoked));
  assert.deepEqual(
    web1.keys.map((k) => k.fingerprint),
    [sha256Fingerprint(revoked)],
  );
  const signed = lookupHost(entries, 'a.example.com', 22);
  assert.deepEqual(signed.keys, []);
  assert.equal(signed.revoked.length, 1);
});

test('comments and blank lines are ignored; malformed lines are counted, not thrown', () => {
  const blob = ed25519Blob();
  const base64 = blob.toString('base64');
  const text = [
    '# a comment',
    '',
    '   ',
    line('good', blob),
    'only-a-host',
    'host ssh-ed25519',
    `host ssh-ed25519 not*base64`,
    `host ssh-rsa ${base64}`,
    `@weird host ssh-ed25519 ${base64}`,
    `|1|c2FsdA==|aGFzaA== ssh-ed25519 ${base64}`,
    `a,,b ssh-ed25519 ${base64}`,
    `  indented ssh-ed25519 ${base64} a comment with spaces\r`,
  ].join('\n');
  const parsed = parseKnownHostsDetailed(text);
  assert.deepEqual(parsed.malformedLines, [5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(
    parsed.entries.map((e) => [e.line, e.hosts, e.comment]),
    [
      [4, 'good', ''],
      [12, 'indented', 'a comment with spaces'],
    ],
  );
});

test('formatKnownHostsLine writes what OpenSSH writes, and it reads back', () => {
  const blob = ed25519Blob();
  const base64 = blob.toString('base64');
  assert.equal(formatKnownHostsLine('Web1', 22, 'ssh-ed25519', blob), `web1 ssh-ed25519 ${base64}`);
  assert.equal(
    formatKnownHostsLine('10.0.0.5', 2222, 'ssh-ed25519', blob),
    `[10.0.0.5]:2222 ssh-ed25519 ${base64}`,
  );
  assert.throws(() => formatKnownHostsLine('a b', 22, 'ssh-ed25519', blob));
  assert.throws(() => formatKnownHostsLine('a,b', 22, 'ssh-ed25519', blob));
  assert.throws(() => formatKnownHostsLine('*', 22, 'ssh-ed25519', blob));
  assert.throws(() => formatKnownHostsLine('web1', 0, 'ssh-ed25519', blob));
  assert.throws(() => formatKnownHostsLine('web1', 22, 'ssh-rsa', blob));

  fc.assert(
    fc.property(
      fc.domain(),
      fc.integer({ min: 1, max: 65535 }),
      fc.integer({ min: 1, max: 65535 }),
      (host, port, otherPort) => {
        const text = formatKnownHostsLine(host, port, 'ssh-ed25519', blob);
        assert.deepEqual(hostsWithKey(text, host, port), [sha256Fingerprint(blob)]);
        if (otherPort !== port) assert.deepEqual(hostsWithKey(text, host, otherPort), []);
      },
    ),
  );
});
