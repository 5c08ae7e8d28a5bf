// A server that hangs up after its version line, before the handshake ends (the emulated Xen
// dom0's sshd did, while a guest booted): ssh2 emits no error for that and stops its ready
// timer, so the connect must settle on the close itself, or a host would stay "connecting".
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import { SshConnection } from '../../../app/main/ssh/ssh-connection.js';

let server: Server;

before(async () => {
  server = createServer((socket) => {
    socket.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
    // Hangs up once the client's key exchange starts (a clean close: a reset would be an error).
    socket.once('data', () => socket.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

// The bound is for a regression only: nothing else would end a connect that never settles.
test(
  'a hang-up during the handshake fails the connect, with the reason',
  { timeout: 30_000 },
  async () => {
    await assert.rejects(
      SshConnection.connect({
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        username: 'probe',
        auth: { password: 'not sent' },
        verifyHostKey: () => true,
        // Far past the test's own time: only the close can settle it.
        readyTimeoutMs: 600_000,
      }),
      /Cannot connect to probe@127\.0\.0\.1:\d+: the server closed the connection during the handshake/,
    );
  },
);
