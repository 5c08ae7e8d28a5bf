// The first end-to-end proof: the project's own code drives a real host over SSH.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { waitForGuestAgent } from '../../app/main/guest-agent/wait-for-agent.js';
import { GUEST_AGENT_CHANNEL } from '../../app/main/hypervisors/kvm/domain-xml.js';
import { CONSOLE_READY } from '../../app/main/hypervisors/kvm/virsh.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { HostKeyRejectedError, pinnedHostKey } from '../../app/main/ssh/host-key.js';
import { SshConnection } from '../../app/main/ssh/ssh-connection.js';
import { ConsoleReader } from '../support/console-reader.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm, removeVm } from '../support/tiny-vm.js';

const bed = testbed();

test('a host key other than the trusted one is refused before any credential is sent', async () => {
  const logBefore = statSync(bed.sshd.logPath).size;
  await assert.rejects(
    SshConnection.connect({
      host: bed.sshd.host,
      port: bed.sshd.port,
      username: bed.sshd.username,
      auth: { privateKey: readFileSync(bed.sshd.clientKeyPath) },
      verifyHostKey: pinnedHostKey('SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
    }),
    (err: unknown) => {
      assert.ok(err instanceof HostKeyRejectedError, String(err));
      assert.equal(err.key.fingerprint, bed.sshd.hostKeyFingerprint);
      return true;
    },
  );
  // sshd logs every authentication attempt at VERBOSE: there must be none.
  await new Promise((r) => setTimeout(r, 200));
  const logAfter = readFileSync(bed.sshd.logPath, 'utf8').slice(logBefore);
  assert.doesNotMatch(logAfter, /publickey|Accepted|Failed|userauth/i);
});

test(
  'define, start, guest agent, serial console, destroy and undefine a tiny VM',
  { timeout: 180_000 },
  async (t) => {
    const ssh = await connectToTestbed(bed);
    // The fingerprint our code computed equals what OpenSSH's ssh-keygen prints.
    assert.equal(ssh.hostKey.fingerprint, bed.sshd.hostKeyFingerprint);

    const virsh = new KvmDriver(ssh);
    const name = `${bed.prefix}proof`;
    const disk = `${bed.imagesDir}/${name}.qcow2`;
    // Whatever happens below, remove what this test made, then close the connection.
    t.after(async () => {
      try {
        await removeVm(virsh, name);
        await ssh.run(['rm', '-f', disk]);
      } finally {
        ssh.close();
      }
    });

    await defineTinyVm(ssh, bed, name, 'proof');
    const xml = await ssh.run(['virsh', '-q', 'dumpxml', name]);
    assert.ok(xml.includes(GUEST_AGENT_CHANNEL));
    assert.equal(await virsh.state(name), 'shutoff');

    const startedAt = performance.now();
    await virsh.start(name);
    assert.equal(await virsh.state(name), 'running');
    await waitForGuestAgent(virsh, name, 90_000);
    const bootSeconds = (performance.now() - startedAt) / 1000;
    t.diagnostic(`virsh start to first guest-ping: ${bootSeconds.toFixed(2)} s`);
    const host = (await virsh.agentCommand(name, 'guest-get-host-name')) as { 'host-name': string };
    assert.equal(host['host-name'], 'proof');

    const channel = await virsh.openConsole(name);
    const serial = new ConsoleReader(channel);
    // Keystrokes sent before virsh attaches are discarded; then an Enter brings up a prompt.
    await serial.waitFor(CONSOLE_READY, 15_000);
    await serial.poke('\r', /proof# /, 30_000);
    // The answer is computed by the guest: the echo of what we typed ('$((6*7))') cannot match.
    const mark = serial.output.length;
    serial.type('echo convirt-$((6*7))-ok\r');
    await serial.waitFor(/convirt-42-ok/, 30_000, mark);
    channel.close();

    await virsh.destroy(name);
    assert.equal(await virsh.state(name), 'shutoff');
    await virsh.undefine(name);
    assert.equal(await virsh.exists(name), false);
  },
);
