// HostConnector starts SSH handshakes a few at a time, and a host waiting for its operator
// (a password prompt) holds no slot. The SSH connection itself is faked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostConnector, resolveRoute } from '../../../app/main/fleet/host-connector.js';
import type { HostKeyTrust } from '../../../app/main/ssh/host-key-trust.js';
import type { SshConnection, SshConnectionOptions } from '../../../app/main/ssh/ssh-connection.js';

const trust = { verifier: () => () => true } as unknown as HostKeyTrust;

/** Handshakes that finish when the test says so. */
function fakeHandshakes() {
  const started: Array<{ host: string; finish: () => void }> = [];
  const connect = (options: SshConnectionOptions) =>
    new Promise<SshConnection>((resolve) =>
      started.push({
        host: options.host,
        finish: () => resolve({ onClose: () => undefined } as unknown as SshConnection),
      }),
    );
  return { started, connect };
}

/** Lets the promise callbacks queued so far run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('handshakes start a few at a time, the next as soon as one ends, in order', async () => {
  const { started, connect } = fakeHandshakes();
  const connector = new HostConnector({
    trust,
    handshakeSlots: 3,
    connect,
    prompts: { password: () => Promise.resolve('secret') },
  });
  const hosts = Array.from({ length: 7 }, (_, i) => `h${i}`);
  const connected = hosts.map((address) => connector.connect({ address, authMethod: 'password' }));
  await settle();
  assert.deepEqual(
    started.map((s) => s.host),
    ['h0', 'h1', 'h2'],
  );
  started[1]!.finish();
  await connected[1];
  await settle();
  assert.deepEqual(
    started.map((s) => s.host),
    ['h0', 'h1', 'h2', 'h3'],
  );
  for (let i = 0; i < hosts.length; i++) {
    await settle();
    started[i]!.finish();
  }
  assert.equal((await Promise.all(connected)).length, hosts.length);
});

test('a host waiting for its password holds no handshake slot', async () => {
  const { started, connect } = fakeHandshakes();
  const connector = new HostConnector({
    trust,
    handshakeSlots: 1,
    connect,
    prompts: {
      // The operator never answers for `asks`.
      password: (target) =>
        target.endsWith('@asks') ? new Promise<string>(() => undefined) : Promise.resolve('pw'),
    },
  });
  void connector.connect({ address: 'asks', authMethod: 'password' });
  const other = connector.connect({ address: 'other', authMethod: 'password' });
  await settle();
  assert.deepEqual(
    started.map((s) => s.host),
    ['other'],
  );
  started[0]!.finish();
  await other;
});

test('the connector passes exec_path to each connection and default_ssh_port to an endpoint without one', async () => {
  const seen: SshConnectionOptions[] = [];
  const connector = new HostConnector({
    trust,
    defaultPort: 2022,
    execPath: '/opt/virt/bin:$PATH',
    readFile: () => Buffer.from('not used: the fake handshake reads no key'),
    connect: (options) => {
      seen.push(options);
      return Promise.resolve({ onClose: () => undefined } as unknown as SshConnection);
    },
    prompts: { password: () => Promise.resolve('secret') },
  });
  await connector.connect({ address: 'h1', authMethod: 'password' });
  await connector.connect({ address: 'h2', port: 2200, authMethod: 'password' });
  assert.deepEqual(
    seen.map((o) => [o.host, o.port, o.execPath]),
    [
      ['h1', 2022, '/opt/virt/bin:$PATH'],
      ['h2', 2200, '/opt/virt/bin:$PATH'],
    ],
  );
  assert.equal(resolveRoute({ address: 'h3' })[0]!.port, 22);
});
