// The persistent virsh session against a host that is slow or silent: its own batch fails with
// a reason that names the host, the session starts afresh next time, and session start-ups are
// spread out (a few at a time, a slow one holding its slot only briefly). Timers are mocked.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mock, test } from 'node:test';
import type { ClientChannel } from 'ssh2';
import { VirshSession } from '../../../app/main/hypervisors/kvm/virsh-session.js';
import { ChannelLimiter } from '../../../app/main/ssh/channel-limiter.js';
import type { RemoteShell } from '../../../app/main/ssh/ssh-connection.js';

/** A channel to a virsh that answers each batch when `answer` is called, and never by itself. */
class FakeChannel extends EventEmitter {
  readonly stderr = new EventEmitter();
  readonly written: string[] = [];
  closed = false;
  write(text: string): boolean {
    this.written.push(text);
    return true;
  }
  end(): void {}
  close(): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => this.emit('close'));
  }
  /** Answers the last batch written with `output`. */
  answer(output: string): void {
    const marker = /echo (@@convirt-end-\d+@@)\n$/.exec(this.written.at(-1)!)![1]!;
    this.emit('data', Buffer.from(`${output}\n${marker}\n`));
  }
}

function fakeHost(target = 'root@slow:22') {
  const channels: FakeChannel[] = [];
  const argvs: string[][] = [];
  const shell = {
    target,
    openChannel: (argv: string[]) => {
      argvs.push(argv);
      const channel = new FakeChannel();
      channels.push(channel);
      return Promise.resolve(channel as unknown as ClientChannel);
    },
  } as unknown as RemoteShell;
  return { shell, channels, argvs };
}

/** Lets the promise callbacks queued so far run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const timeouts = { answerMs: 30_000, startMs: 60_000, startSlotMs: 2_000 };

test('a host that does not start virsh fails its own batch, naming it; the next run starts anew', async (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const { shell, channels } = fakeHost();
  const session = new VirshSession(shell, ['virsh'], timeouts, new ChannelLimiter(8));

  const first = session.run(['list']);
  const failed = assert.rejects(first, /virsh on root@slow:22 did not start within 60 s/);
  await settle();
  assert.equal(channels.length, 1);
  mock.timers.tick(60_000);
  await failed;
  assert.ok(channels[0]!.closed);

  const second = session.run(['list']);
  await settle();
  assert.equal(channels.length, 2);
  // Output the dropped channel prints late does not reach the new session.
  channels[0]!.emit('data', Buffer.from('stale\n'));
  channels[1]!.answer('fresh');
  assert.equal(await second, 'fresh');

  const third = session.run(['list']);
  const slow = assert.rejects(third, /virsh on root@slow:22 did not answer within 30 s/);
  await settle();
  mock.timers.tick(30_000);
  await slow;
});

test('virsh that ends fails the waiting batch with its error output', async () => {
  const { shell, channels, argvs } = fakeHost();
  const session = new VirshSession(shell, ['virsh'], timeouts, new ChannelLimiter(8));
  const batch = session.run(['list']);
  await settle();
  channels[0]!.stderr.emit('data', Buffer.from('error: failed to connect to the hypervisor\n'));
  channels[0]!.emit('exit', 1);
  channels[0]!.emit('close');
  await assert.rejects(batch, /virsh on root@slow:22 ended \(exit 1\): error: failed to connect/);
  // Its errors come on its standard output (after what it printed before them).
  assert.deepEqual(argvs[0], ['sh', '-c', 'exec "$@" 2>&1', 'sh', 'virsh']);
  const again = session.run(['list']);
  await settle();
  channels[1]!.emit('data', Buffer.from('virsh # error: failed to connect to the hypervisor\n'));
  channels[1]!.emit('exit', null, 'KILL');
  channels[1]!.emit('close');
  await assert.rejects(
    again,
    /virsh on root@slow:22 ended \(signal KILL\): error: failed to connect/,
  );
});

test('a batch that virsh answers with errors fails with them; a reconnection note is no error', async () => {
  const { shell, channels } = fakeHost();
  const session = new VirshSession(shell, ['virsh', '-q'], timeouts, new ChannelLimiter(8));
  // libvirtd is down: virsh stays, prints only errors (merged into its output) and the marker.
  const down = session.run(['list --all --name']);
  await settle();
  channels[0]!.answer(
    [
      'error: Disconnected from qemu:///system due to end of file',
      'error: Failed to reconnect to the hypervisor',
      'error: no valid connection',
    ].join('\n'),
  );
  await assert.rejects(
    down,
    /^VirshSessionError: virsh on root@slow:22: error: Failed to reconnect to the hypervisor error: no valid connection$/,
  );
  // libvirtd is back: the same virsh reconnects, says so, and answers.
  const back = session.run(['list --all --name']);
  await settle();
  assert.equal(channels.length, 1, 'the same session');
  channels[0]!.answer('error: Reconnected to the hypervisor\nvm1');
  assert.equal((await back).trim(), 'vm1');
});

test('closing the session fails its waiting batch at once', async () => {
  const { shell } = fakeHost();
  const session = new VirshSession(shell, ['virsh'], timeouts, new ChannelLimiter(8));
  const batch = session.run(['list']);
  await settle();
  session.close();
  await assert.rejects(batch, /session closed/);
});

test('session start-ups are spread: a few at a time, a slow one keeps its slot only briefly', async (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const startups = new ChannelLimiter(2);
  const hosts = Array.from({ length: 5 }, (_, i) => fakeHost(`root@h${i}:22`));
  const sessions = hosts.map((h) => new VirshSession(h.shell, ['virsh'], timeouts, startups));
  const batches = sessions.map((s) => s.run(['list']));
  const opened = () => hosts.filter((h) => h.channels.length > 0).length;
  await settle();
  assert.equal(opened(), 2);

  // The first host answers: its slot goes to the next at once.
  hosts[0]!.channels[0]!.answer('h0');
  assert.equal(await batches[0], 'h0');
  await settle();
  assert.equal(opened(), 3);

  // The other two stay silent: they give their slots up after startSlotMs, still waiting.
  mock.timers.tick(1_999);
  await settle();
  assert.equal(opened(), 3);
  mock.timers.tick(1);
  await settle();
  assert.equal(opened(), 5);

  hosts[4]!.channels[0]!.answer('h4');
  assert.equal(await batches[4], 'h4');
  const timedOut = batches.slice(1, 4).map((b) => assert.rejects(b, /did not start within 60 s/));
  mock.timers.tick(60_000);
  await Promise.all(timedOut);
});
