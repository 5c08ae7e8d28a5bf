// A host's sshd restarted (its sessions ended), and a host whose key changes between polls,
// against an sshd of this test's own (the shared bed's is left alone) and the bed's libvirtd,
// through ConVirt's own start-up path (openConvirt) polling every second: the host shows
// unreachable with the reason, then connected again once sshd is back; with a new key it stays
// refused, poll after poll, until the operator accepts the new key (through the contract, and
// through `convirtctl host accept-key` while the first client still runs).
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAlive, waitFor } from '../bed/process.js';
import { startSshd } from '../bed/sshd.js';
import { convirtctlRunner } from '../support/convirtctl-runner.js';
import { polledConvirt } from '../support/fault-fleet.js';
import { newHostKey, restartSshd, stopSshdWithSessions } from '../support/faults.js';
import { testbed } from '../support/testbed.js';

const bed = testbed();
const work = join(bed.runDir, 'fault-sshd');

test('sshd restarted and a host key changed between polls', { timeout: 180_000 }, async (t) => {
  mkdirSync(work, { recursive: true });
  const sshd = await startSshd(join(work, 'sshd'));
  const { service, polled, next, dataDir, close } = polledConvirt(work);
  t.after(() => {
    close();
    if (isAlive(sshd.pid)) stopSshdWithSessions(sshd.pid);
    rmSync(work, { recursive: true, force: true });
  });

  await service.addHost({
    name: 'priv',
    address: '127.0.0.1',
    port: sshd.port,
    username: sshd.username,
    authMethod: 'key',
    identityFile: sshd.clientKeyPath,
    hypervisor: 'kvm',
    acceptFingerprint: sshd.hostKeyFingerprint,
  });
  await next('connected', 0);

  await t.test('sshd restarted: unreachable with the reason, then connected again', async () => {
    const before = polled.length;
    stopSshdWithSessions(sshd.pid);
    const down = await next('unreachable', before);
    // The connection lost, or first its virsh session killed with the rest of sshd's sessions.
    assert.match(down.error ?? '', /lost|ECONNREFUSED|Cannot connect|ended \(signal KILL\)/);
    sshd.pid = await restartSshd(sshd);
    await next('connected', polled.indexOf(down));
  });

  let changedFingerprint = '';
  await t.test(
    'a changed key: refused at every poll, then accepted through the contract',
    async () => {
      const before = polled.length;
      stopSshdWithSessions(sshd.pid);
      changedFingerprint = await newHostKey(sshd);
      sshd.pid = await restartSshd(sshd);
      const refused = await waitFor(
        'three polls refusing the changed key',
        () => {
          const seen = polled.slice(before).filter((p) => /CHANGED/.test(p.error ?? ''));
          return seen.length >= 3 ? seen : undefined;
        },
        60_000,
        100,
      );
      assert.ok(refused[0]!.error!.includes(changedFingerprint), refused[0]!.error!);
      assert.ok(refused[0]!.error!.includes(sshd.hostKeyFingerprint), refused[0]!.error!);
      const afterRefusal = polled.indexOf(refused.at(-1)!);
      assert.ok(!polled.slice(before).some((p) => p.status === 'connected'), 'never connected');

      // A fingerprint other than the host's new one is refused; nothing is stored.
      await assert.rejects(
        service.acceptHostKey('priv', sshd.hostKeyFingerprint),
        (err: { data: { code: string } }) => err.data.code === 'host-key-changed',
      );
      const view = await service.acceptHostKey('priv', changedFingerprint);
      assert.equal(view.hostKeyFingerprint, changedFingerprint);
      await next('connected', afterRefusal);
    },
  );

  await t.test('changed again: accepted with convirtctl beside the running client', async () => {
    const before = polled.length;
    stopSshdWithSessions(sshd.pid);
    const fingerprint = await newHostKey(sshd);
    sshd.pid = await restartSshd(sshd);
    const refused = await waitFor(
      'a poll refusing the changed key',
      () => polled.slice(before).find((p) => /CHANGED/.test(p.error ?? '')),
      60_000,
      100,
    );
    assert.ok(refused.error!.includes(changedFingerprint), refused.error!);
    const ctl = convirtctlRunner({ home: work, dataDir });
    const r = await ctl(['host', 'accept-key', 'priv', fingerprint]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`Accepted the new key of priv \\(${fingerprint.replace(/[+/]/g, '\\$&')}\\)`),
    );
    // The running client sees the new trust at its next attempt (Refresh skips the backoff).
    await service.refreshHost('priv');
    await next('connected', polled.indexOf(refused));
    assert.equal(
      (await service.getFleet()).hosts.find((h) => h.name === 'priv')?.hostKeyFingerprint,
      fingerprint,
    );
  });
});
