// convirt.conf's exec_path on the wire: an in-process ssh2 server on loopback records the command
// line of every exec; a connection with an exec_path sends each command (plain, and on a
// pseudo-terminal) wrapped by withExecPath, and its errors still name the command as written.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import ssh2, { type Connection, type Server } from 'ssh2';
import { withExecPath } from '../../../app/main/config/index.js';
import { buildCommand } from '../../../app/main/ssh/shell-quote.js';
import {
  RemoteCommandError,
  remoteCommandLine,
  SshConnection,
} from '../../../app/main/ssh/ssh-connection.js';

const EXEC_PATH = '/opt/virt/bin:$PATH:/usr/sbin';

/** Command lines the server was asked to run, in order. */
const received: string[] = [];
let server: Server;
let port = 0;

before(async () => {
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
  server = new ssh2.Server({ hostKeys: [hostKey] }, (client: Connection) => {
    client.on('authentication', (ctx) => ctx.accept());
    client.on('session', (acceptSession) => {
      const session = acceptSession();
      session.on('pty', (accept) => accept());
      session.on('exec', (acceptExec, _reject, info) => {
        received.push(info.command);
        const channel = acceptExec();
        // A command naming `fail` fails, so error messages can be checked.
        channel.exit(info.command.includes('fail') ? 3 : 0);
        channel.end();
        channel.close();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function connect(execPath?: string): Promise<SshConnection> {
  return SshConnection.connect({
    host: '127.0.0.1',
    port,
    username: 'probe',
    auth: { password: 'not checked' },
    verifyHostKey: () => true,
    ...(execPath !== undefined ? { execPath } : {}),
  });
}

test('remoteCommandLine quotes the argument list, inside withExecPath when one is set', () => {
  const argv = ['virsh', 'dominfo', "vm 'one'"];
  assert.equal(remoteCommandLine(argv), buildCommand(argv));
  assert.equal(remoteCommandLine(argv, EXEC_PATH), buildCommand(withExecPath(EXEC_PATH, argv)));
  // Around the whole command: sudo comes after exec_path's wrapping, not before.
  assert.equal(
    remoteCommandLine(['sudo', '-n', 'virsh'], '/opt/bin'),
    'env PATH=/opt/bin sudo -n virsh',
  );
});

test('with an exec_path, exec, run and openPty send the wrapped command', async () => {
  const ssh = await connect(EXEC_PATH);
  try {
    received.length = 0;
    await ssh.exec(['virsh', 'list', '--all']);
    await ssh.run(['uname', '-r']);
    // The command line is recorded when the channel opens.
    (await ssh.openPty(['virsh', 'console', 'vm1'])).close();
    assert.deepEqual(received, [
      buildCommand(withExecPath(EXEC_PATH, ['virsh', 'list', '--all'])),
      buildCommand(withExecPath(EXEC_PATH, ['uname', '-r'])),
      buildCommand(withExecPath(EXEC_PATH, ['virsh', 'console', 'vm1'])),
    ]);
  } finally {
    ssh.close();
  }
});

test("a failed command's error names the command as written, not its wrapping", async () => {
  const ssh = await connect(EXEC_PATH);
  try {
    const failed = await ssh.run(['virsh', 'fail']).catch((err: unknown) => err);
    assert.ok(failed instanceof RemoteCommandError);
    assert.equal(failed.command, 'virsh fail');
    assert.doesNotMatch(failed.message, /PATH=/);
  } finally {
    ssh.close();
  }
});

test('without an exec_path, commands go as written (the login PATH)', async () => {
  const ssh = await connect();
  try {
    received.length = 0;
    await ssh.exec(['virsh', 'list']);
    assert.deepEqual(received, ['virsh list']);
  } finally {
    ssh.close();
  }
});
