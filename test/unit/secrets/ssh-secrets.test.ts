// The session memory of SSH secrets, with a counting fake operator: connections needing the
// same secret at once ask once; a secret refused after being kept is asked again, one just typed
// is not (no loop); "Remember" puts it in the vault and a failure to do so is said, without the
// secret.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passphraseProtection } from '../../../app/main/secrets/passphrase-protection.js';
import { SshSecrets, type SecretAnswer } from '../../../app/main/secrets/ssh-secrets.js';
import { SecretVault } from '../../../app/main/secrets/vault.js';
import { tempDir } from '../inventory/temp-inventory.js';

function operator(answers: (SecretAnswer | undefined)[]) {
  const asked: string[] = [];
  return {
    asked,
    ask: (kind: string, subject: string) => {
      asked.push(`${kind} ${subject}`);
      return Promise.resolve(answers.shift());
    },
  };
}

test('connections needing the same secret at once ask once; the next ones not at all', async () => {
  const op = operator([{ secret: 'pw', remember: false }]);
  const { prompts } = new SshSecrets({ ask: op.ask });
  const all = await Promise.all([1, 2, 3].map(() => prompts.password!('root@web1')));
  assert.deepEqual(all, ['pw', 'pw', 'pw']);
  assert.equal(await prompts.password!('root@web1'), 'pw');
  assert.deepEqual(op.asked, ['password root@web1']);
});

test('a refused secret is forgotten: asked again only when it had been kept', async () => {
  const op = operator([
    { secret: 'typo', remember: false },
    { secret: 'right', remember: false },
  ]);
  const { prompts } = new SshSecrets({ ask: op.ask });
  assert.equal(await prompts.passphrase!('/k'), 'typo');
  assert.equal(prompts.rejected!('passphrase', '/k'), false, 'just typed: no second question');
  assert.equal(await prompts.passphrase!('/k'), 'right');
  assert.equal(await prompts.passphrase!('/k'), 'right'); // kept from now on
  assert.equal(prompts.rejected!('passphrase', '/k'), true, 'kept: worth asking again');
  assert.equal(op.asked.length, 2);
});

test('Remember stores it in the vault; a vault that cannot open warns without the secret', async (t) => {
  const dir = tempDir(t);
  const vault = new SecretVault(
    dir,
    passphraseProtection(() => Promise.resolve('master')),
  );
  const op = operator([{ secret: 'pw-remembered', remember: true }]);
  const secrets = new SshSecrets({ ask: op.ask, vault });
  assert.equal(await secrets.prompts.password!('a@h'), 'pw-remembered');
  assert.deepEqual(
    secrets.remembered().map((e) => e.label),
    ['Password for a@h'],
  );
  assert.equal(vault.get('ssh-password:a@h'), 'pw-remembered');
  assert.equal(secrets.forget('ssh-password:a@h'), true);
  assert.equal(secrets.forget('ssh-password:a@h'), false);
  assert.equal(secrets.forget('http-header:x'), false, 'only SSH secrets are forgotten here');

  const warnings: string[] = [];
  const lockedOut = new SshSecrets({
    ask: operator([{ secret: 'pw-unkept', remember: true }]).ask,
    vault: new SecretVault(
      tempDir(t),
      passphraseProtection(() => Promise.resolve(undefined)),
    ),
    warn: (m) => warnings.push(m),
  });
  assert.equal(await lockedOut.prompts.password!('b@h'), 'pw-unkept', 'still used this session');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /Password for b@h was not remembered: No master passphrase/);
  assert.doesNotMatch(warnings[0]!, /pw-unkept/);
});
