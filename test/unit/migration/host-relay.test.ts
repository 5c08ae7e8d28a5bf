// The relay that carries libvirt's control connection between two hosts, run here: the source's
// script in a real sh, the hosts' channels as local processes that hold a connection's channel
// slot until their output has been read to the end and they have exited, as ssh2's do.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Duplex, PassThrough, Writable } from 'node:stream';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { ClientChannel } from 'ssh2';
import { forward, KILL_OWN, openHostRelay } from '../../../app/main/migration/host-streams.js';
import { ChannelLimiter } from '../../../app/main/ssh/channel-limiter.js';
import type { RemoteShell } from '../../../app/main/ssh/ssh-connection.js';

/** A local process as an SSH channel: 'close' only once it exited and its output was read. */
function processChannel(child: ChildProcess): ClientChannel {
  const channel = new Duplex({
    read: () => child.stdout!.resume(),
    write: (chunk: Buffer, _enc, done) => {
      child.stdin!.write(chunk, () => done());
    },
    final: (done) => {
      child.stdin!.end();
      done();
    },
  }) as Duplex & { stderr: NodeJS.ReadableStream; signal(name: string): void };
  child.stdin!.on('error', () => undefined);
  child.stdout!.on('data', (d: Buffer) => {
    if (!channel.push(d)) child.stdout!.pause();
  });
  const ended = new Promise((resolve) => channel.once('end', resolve));
  child.stdout!.once('end', () => channel.push(null));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  void Promise.all([ended, exited]).then(() => channel.destroy());
  channel.stderr = child.stderr!;
  channel.signal = (name) => child.kill(`SIG${name}` as NodeJS.Signals);
  (channel as unknown as { close(): void }).close = () => child.kill('SIGTERM');
  return channel as unknown as ClientChannel;
}

/**
 * A host whose commands run here, each channel holding a slot of `limiter` until it closes;
 * `login` runs first, as a host's login shell would (and may print).
 */
function localHost(limiter: ChannelLimiter, name: string, login = ''): RemoteShell {
  const fail = () => Promise.reject(new Error('not here'));
  return {
    target: name,
    exec: fail,
    run: fail,
    openPty: fail,
    openChannel: async (argv) => {
      const release = await limiter.acquire();
      const channel = processChannel(spawn('sh', ['-c', `${login}\nexec "$@"`, 'sh', ...argv]));
      channel.once('close', release);
      return channel;
    },
  };
}

const read = (stream: NodeJS.ReadableStream) =>
  new Promise<string>((resolve) => {
    let text = '';
    stream.on('data', (d: Buffer) => (text += d.toString()));
    stream.once('end', () => resolve(text));
  });

const released = async (limiter: ChannelLimiter) => {
  while (limiter.inUse > 0) await new Promise((r) => setTimeout(r, 20));
};

test('the answer comes back, and the target side ending ends the client connection', async () => {
  const slots = new ChannelLimiter(8);
  // The target answers one call, then closes (libvirtd after the last call of a connection).
  const relay = await openHostRelay(localHost(slots, 'source'), localHost(slots, 'target'), [
    'sh',
    '-c',
    'read call; echo "answer to $call"',
  ]);
  const client = spawn(relay.command);
  client.stdin.write('close\n');
  // The client never ends its input: it waits for the answer, then for its connection to end.
  assert.equal(await read(client.stdout), 'answer to close\n');
  await new Promise((resolve) => client.once('exit', resolve));
  await released(slots);
  assert.equal(existsSync(relay.command), false, 'the relay folder is removed');
  await relay.close();
});

test('a target that quits without answering does not leave the client waiting', async () => {
  const slots = new ChannelLimiter(8);
  const relay = await openHostRelay(localHost(slots, 'source'), localHost(slots, 'target'), [
    'sh',
    '-c',
    'read call',
  ]);
  const client = spawn(relay.command);
  client.stdin.write('close\n');
  assert.equal(await read(client.stdout), '');
  await released(slots);
  await relay.close();
});

test('closing a relay the client never ran leaves no process and no folder', async () => {
  const slots = new ChannelLimiter(8);
  const relay = await openHostRelay(localHost(slots, 'source'), localHost(slots, 'target'), [
    'cat',
  ]);
  assert.equal(slots.inUse, 2);
  await relay.close();
  await released(slots);
  assert.equal(existsSync(relay.command), false);
});

test('a stream whose destination closed first is still read to its end', async () => {
  const from = new PassThrough();
  const to = new Writable({ write: (_chunk, _enc, done) => done() });
  forward(from, to, { end: false });
  const ended = new Promise((resolve) => from.once('end', resolve));
  from.write('before');
  to.destroy();
  await new Promise((r) => setImmediate(r));
  from.end('after');
  await ended;
});

test('what the login shell prints on the error output before the relay does is ignored', async () => {
  const slots = new ChannelLimiter(8);
  const noisy = `echo 'pyenv: cannot rehash: /root/.pyenv/shims isn'"'"'t writable' >&2
printf 'bash: warning: setlocale: LC_ALL: cannot change locale (no newline)' >&2`;
  const relay = await openHostRelay(localHost(slots, 'source', noisy), localHost(slots, 'target'), [
    'sh',
    '-c',
    'read call; echo "answer to $call"',
  ]);
  assert.match(relay.command, /\/convirt-relay\.[A-Za-z0-9]{6}\/relay$/);
  const client = spawn(relay.command);
  client.stdin.write('close\n');
  assert.equal(await read(client.stdout), 'answer to close\n');
  await released(slots);
  await relay.close();
});

test('a relay that never prints its folder fails with what the host printed', async () => {
  const slots = new ChannelLimiter(8);
  const broken = `echo 'bash: setlocale: LC_ALL: cannot change locale' >&2; exit 1`;
  await assert.rejects(
    openHostRelay(localHost(slots, 'source', broken), localHost(slots, 'target'), ['cat']),
    /The relay on source did not start: bash: setlocale: LC_ALL: cannot change locale/,
  );
  await released(slots);
});

test("a folder line not from the relay's mktemp is refused by name", async () => {
  const slots = new ChannelLimiter(8);
  const odd = `echo 'convirt-relay-dir /home/op/elsewhere' >&2`;
  await assert.rejects(
    openHostRelay(localHost(slots, 'source', odd), localHost(slots, 'target'), ['cat']),
    /The relay on source gave "\/home\/op\/elsewhere" as its folder/,
  );
  await released(slots);
});

const shells = [['sh'], ['busybox', 'sh']].filter(
  ([command]) =>
    command === 'sh' || existsSync(`/usr/bin/${command}`) || existsSync(`/bin/${command}`),
);
for (const shell of shells) {
  test(`kill_own in ${shell.join(' ')} signals its own children and no other process`, async () => {
    // A process that is not the shell's child: what a reaped child's reused pid would be.
    const stranger = spawn('sleep', ['30']);
    try {
      const script = `${KILL_OWN}\nsleep 30 & own=$!\nkill_own "" 0 ${stranger.pid} $own\n{ wait $own; } 2>/dev/null; echo $?`;
      const { stdout, stderr } = await promisify(execFile)(shell[0]!, [
        ...shell.slice(1),
        '-c',
        script,
      ]);
      assert.equal(stdout, '143\n', 'its own child got TERM');
      assert.equal(stderr, '');
      assert.equal(stranger.exitCode, null);
      assert.equal(stranger.signalCode, null, 'the other process is left alone');
    } finally {
      stranger.kill();
    }
  });

  test(`kill_own in ${shell.join(' ')} stops a child that took the first signal before its exec`, async () => {
    // The child catches TERM until it execs, as a shell's forked child does: a TERM sent once it
    // has its trap (0.1 s) is lost.
    const script = `${KILL_OWN}\n(trap : TERM; sleep 0.3; exec sleep 30) & own=$!\nsleep 0.1; kill_own $own\n{ wait $own; } 2>/dev/null; echo $?`;
    const { stdout } = await promisify(execFile)(shell[0]!, [...shell.slice(1), '-c', script], {
      timeout: 10_000,
    });
    assert.equal(stdout, '143\n', 'the child that lost the first TERM got another');
  });
}
