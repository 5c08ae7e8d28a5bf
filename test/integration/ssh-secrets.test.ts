// SSH secrets against the test bed's real sshd, with a password user (cvp*): asked once per
// session however many connections follow (add-host included), not at all after "Remember"
// across a restart of the service, and asked again once a remembered password turns out wrong.
// The password is then looked for in every file of the data folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FleetService } from '../../app/main/fleet/fleet-service.js';
import { Inventory } from '../../app/main/inventory/index.js';
import { passphraseProtection } from '../../app/main/secrets/passphrase-protection.js';
import { SshSecrets, type SecretAnswer } from '../../app/main/secrets/ssh-secrets.js';
import { configureVault } from '../../app/main/secrets/vault-registry.js';
import { HostKeyTrust } from '../../app/main/ssh/host-key-trust.js';
import { PASSWORD_USER_PREFIX } from '../bed/sshd.js';
import { convirtctlRunner } from '../support/convirtctl-runner.js';
import { testbed } from '../support/testbed.js';
import { filesHolding } from '../support/data-folder.js';

const bed = testbed();
const user = `${PASSWORD_USER_PREFIX}s${process.pid}`.slice(0, 30);

function setPassword(password: string, create: boolean) {
  const hash = spawnSync('openssl', ['passwd', '-6', '-stdin'], { input: password });
  assert.equal(hash.status, 0, hash.stderr?.toString());
  const args = create
    ? ['useradd', '--system', '--no-create-home', '--shell', '/bin/sh', '-p']
    : ['usermod', '-p'];
  const r = spawnSync(args[0]!, [...args.slice(1), hash.stdout.toString().trim(), user]);
  assert.equal(r.status, 0, r.stderr?.toString());
}

test(
  'SSH secrets: one prompt per session, Remember across a restart, a wrong one asked again',
  {
    timeout: 120_000,
  },
  async (t) => {
    const first = `first 'pw' $(x) ${process.pid}`;
    const second = `second pw ${process.pid}`;
    setPassword(first, true);
    const dir = mkdtempSync(join(bed.runDir, 'ssh-secrets-'));
    t.after(async () => {
      await new Promise((r) => setTimeout(r, 300)); // sshd's session processes end first
      spawnSync('userdel', [user]);
      rmSync(dir, { recursive: true, force: true });
    });

    /** One run of the service: its own inventory, vault instance, session memory and prompt. */
    const service = (answers: SecretAnswer[]) => {
      const asked: string[] = [];
      const vault = configureVault(
        dir,
        passphraseProtection(() => Promise.resolve('master passphrase')),
      );
      const inventory = Inventory.open({ dataDir: dir });
      const secrets = new SshSecrets({
        vault,
        ask: (kind, subject) => {
          asked.push(`${kind} ${subject}`);
          return Promise.resolve(answers.shift());
        },
      });
      const fleet = new FleetService({
        inventory,
        trust: new HostKeyTrust({ userKnownHostsFiles: [], convirtStoreFile: join(dir, 'kh') }),
        prompts: secrets.prompts,
      });
      const close = () => {
        fleet.close();
        inventory.close();
      };
      return { fleet, asked, secrets, close };
    };
    const whoami = async (fleet: FleetService) =>
      (await (await fleet.connections.get('pw')).run(['id', '-un'])).trim();

    // Session 1: add-host and the connections after it ask once; "Remember" ticked.
    const one = service([{ secret: first, remember: true }]);
    await one.fleet.addHost(
      {
        name: 'pw',
        address: '127.0.0.1',
        port: bed.sshd.port,
        username: user,
        authMethod: 'password',
        hypervisor: 'kvm',
      },
      { acceptFingerprint: bed.sshd.hostKeyFingerprint },
    );
    assert.equal(await whoami(one.fleet), user);
    one.fleet.connections.close('pw');
    assert.equal(await whoami(one.fleet), user);
    assert.deepEqual(one.asked, [`password ${user}@127.0.0.1`], 'asked once for three connections');
    assert.deepEqual(
      one.secrets.remembered().map((s) => s.id),
      [`ssh-password:${user}@127.0.0.1`],
    );
    one.close();

    // Session 2 (a restart): the remembered password is used; nobody is asked.
    const two = service([]);
    assert.equal(await whoami(two.fleet), user);
    assert.deepEqual(two.asked, []);
    two.close();

    // The password changes on the host: the remembered one is refused, forgotten, and asked again.
    setPassword(second, false);
    const three = service([{ secret: second, remember: false }]);
    assert.equal(await whoami(three.fleet), user);
    assert.deepEqual(three.asked, [`password ${user}@127.0.0.1`]);
    assert.deepEqual(three.secrets.remembered(), [], 'the wrong one is no longer remembered');
    // A wrong password just typed is not asked again in a loop: the connection fails plainly.
    three.fleet.connections.close('pw');
    const four = service([{ secret: 'not it', remember: false }]);
    await assert.rejects(whoami(four.fleet), /authentication/i);
    assert.equal(four.asked.length, 1);
    three.close();
    four.close();

    // convirtctl lists remembered secrets by name and forgets them without the master passphrase
    // (it has no terminal here to ask one).
    const five = service([{ secret: second, remember: true }]);
    assert.equal(await whoami(five.fleet), user);
    five.close();
    const ctl = convirtctlRunner({ home: dir, dataDir: dir });
    const id = `ssh-password:${user}@127.0.0.1`;
    const listed = await ctl(['secrets', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const summary = JSON.parse(listed.stdout) as {
      protection: string;
      remembered: { id: string }[];
    };
    assert.deepEqual(
      [summary.protection, summary.remembered.map((s) => s.id)],
      ['passphrase', [id]],
    );
    assert.equal(listed.stdout.includes(second), false);
    const forgot = await ctl(['secrets', 'forget', id]);
    assert.equal(forgot.code, 0, forgot.stderr);
    assert.equal((await ctl(['secrets', 'forget', id])).code, 2, 'nothing left to forget');
    const after = JSON.parse((await ctl(['secrets', 'list', '--json'])).stdout) as typeof summary;
    assert.deepEqual(after.remembered, []);

    // No password in any file of the data folder, in any form that a log or the inventory holds.
    assert.deepEqual(
      filesHolding(dir, first, second, 'master passphrase'),
      [],
      'files holding a secret',
    );
  },
);
