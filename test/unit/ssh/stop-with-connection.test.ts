// The wrapper that stops a long host command when ConVirt's connection (its input) goes, run
// here with the local sh standing in for the host's: the channel's input is the child's stdin.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { test } from 'node:test';
import { stoppedWithConnection } from '../../../app/main/ssh/stop-with-connection.js';

/** The wrapper run by `shell` (the host's sh: dash here, busybox's on the Xen dom0). */
function start(argv: string[], shell: string[] = ['sh']) {
  const [, ...script] = stoppedWithConnection(argv);
  const [command, ...args] = [...shell, ...script];
  const child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const closed = once(child, 'close') as Promise<[number | null, string | null]>;
  return { child, closed, stdout: () => stdout };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function firstLine(run: ReturnType<typeof start>): Promise<number> {
  while (!run.stdout().includes('\n')) await new Promise((r) => setTimeout(r, 20));
  return Number(run.stdout().split('\n')[0]);
}

test('a command that ends by itself gives its output and status, input still open', async () => {
  const run = start(['sh', '-c', 'echo made; exit 3']);
  const [code] = await run.closed;
  assert.equal(code, 3);
  assert.equal(run.stdout(), 'made\n');
  run.child.stdin.end(); // the watcher's cat ends with it, as when sshd closes the channel
});

const BUSYBOX = ['/usr/bin/busybox', '/bin/busybox'].find((path) => existsSync(path));

for (const [name, shell, timeout] of [
  ['dash and GNU timeout', ['sh'], ['timeout']],
  ['busybox sh and timeout (as in the Xen dom0)', [BUSYBOX!, 'sh'], [BUSYBOX!, 'timeout']],
] as const) {
  test(
    `the end of the input stops the command and all it started: ${name}`,
    {
      skip: shell[0] === undefined ? 'no busybox on this machine' : false,
    },
    async () => {
      // busybox's timeout execs its command in place and passes no signal on: the whole group goes.
      const run = start(
        [...timeout, '-k', '5', '60', 'sh', '-c', 'sleep 60 & echo $!; wait'],
        [...shell],
      );
      const sleeper = await firstLine(run);
      await new Promise((r) => setTimeout(r, 500)); // while the input is open, it runs on
      assert.ok(alive(sleeper));
      assert.equal(run.child.exitCode, null);
      run.child.stdin.end();
      const [code] = await run.closed;
      assert.notEqual(code, 0);
      for (let i = 0; i < 100 && alive(sleeper); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(alive(sleeper), false, 'the sleep timeout started is gone');
    },
  );
}

test('the command reads nothing of the channel: its input is /dev/null', async () => {
  const run = start(['sh', '-c', 'cat; echo done']);
  run.child.stdin.write('not for the command\n');
  const [code] = await run.closed;
  assert.equal(code, 0);
  assert.equal(run.stdout(), 'done\n');
  run.child.stdin.end();
});
