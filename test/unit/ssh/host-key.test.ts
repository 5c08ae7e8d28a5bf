import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { keyAlgorithm, sha256Fingerprint } from '../../../app/main/ssh/host-key.js';

test('fingerprints match what OpenSSH prints for the same key', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const type of ['ed25519', 'ecdsa', 'rsa']) {
    const key = join(dir, type);
    const gen = spawnSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', key]);
    assert.equal(gen.status, 0, 'ssh-keygen (openssh-client) is needed');
    const [, base64] = readFileSync(`${key}.pub`, 'utf8').split(' ');
    const blob = Buffer.from(base64!, 'base64');
    const openssh = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`], {
      encoding: 'utf8',
    });
    assert.equal(sha256Fingerprint(blob), openssh.stdout.split(' ')[1]);
    assert.match(keyAlgorithm(blob), type === 'rsa' ? /^ssh-rsa$/ : new RegExp(type));
  }
});
