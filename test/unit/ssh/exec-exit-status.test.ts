// The exit status of a short command must survive arriving in the same socket read as the
// exec's confirmation. An in-process ssh2 server on loopback answers each exec with the
// confirmation, the output, the exit status, EOF and close in ONE write (its socket corked), as
// a loaded host's sshd, read late by a busy client, was seen to deliver them.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import ssh2, { type Connection, type Server } from 'ssh2';
import { SshConnection } from '../../../app/main/ssh/ssh-connection.js';

let server: Server;
let ssh: SshConnection;

before(async () => {
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
  server = new ssh2.Server({ hostKeys: [hostKey] }, (client: Connection) => {
    const socket = (client as unknown as { _sock: Socket })._sock;
    client.on('authentication', (ctx) => ctx.accept());
    client.on('session', (acceptSession) => {
      acceptSession().on('exec', (acceptExec, _reject, info) => {
        socket.cork();
        const channel = acceptExec();
        const status = Number(/exit (\d+)/.exec(info.command)?.[1] ?? 0);
        channel.write(`ran ${info.command}\n`);
        channel.exit(status);
        channel.end();
        process.nextTick(() => socket.uncork());
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ssh = await SshConnection.connect({
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    username: 'probe',
    auth: { password: 'not checked' },
    verifyHostKey: () => true,
  });
});

after(async () => {
  ssh?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('every short command keeps its exit status and its output', async () => {
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => ssh.exec(['sh', '-c', `exit ${i % 3}`])),
  );
  for (const [i, r] of results.entries()) {
    assert.equal(r.code, i % 3, `command ${i}: ${JSON.stringify(r)}`);
    assert.equal(r.signal, null);
    assert.match(r.stdout, /^ran sh -c /);
  }
});

test('run() succeeds on exit 0 and names the status otherwise', async () => {
  assert.match(await ssh.run(['true']), /^ran true/);
  await assert.rejects(ssh.run(['sh', '-c', 'exit 2']), /exit 2/);
});
