// A host's check commands as one remote command: the script runs here in a real sh, and the
// batching is counted on a fake shell.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import type { ClientChannel } from 'ssh2';
import {
  BatchedShell,
  batchScript,
  parseBatchOutput,
} from '../../../app/main/migration/batched-shell.js';
import type { ExecResult, RemoteShell } from '../../../app/main/ssh/ssh-connection.js';

const sh = promisify(execFile);
const MARKER = '@@test-marker@@';

test('every command of a batch reports its own output, error output and status', async () => {
  const stdin = `<cpu mode='custom'>\n  it's "quoted" $HOME\n</cpu>\n\n`;
  const commands = [
    { argv: ['printf', '%s\\n', 'first line', 'second'] },
    { argv: ['sh', '-c', 'echo oops >&2; printf partial; exit 3'] },
    { argv: ['cat'], stdin },
    { argv: ['true'] },
  ];
  const { stdout } = await sh('sh', ['-c', batchScript(commands, MARKER)]);
  assert.deepEqual(parseBatchOutput(stdout, commands.length, MARKER), [
    { code: 0, signal: null, stdout: 'first line\nsecond\n', stderr: '' },
    { code: 3, signal: null, stdout: 'partial', stderr: 'oops\n' },
    { code: 0, signal: null, stdout: stdin, stderr: '' },
    { code: 0, signal: null, stdout: '', stderr: '' },
  ]);
});

test('output without a command section is an error, not an empty answer', () => {
  assert.throws(() => parseBatchOutput('', 1, MARKER), /command 0 did not report/);
});

/** A shell that answers each command (a batch runs in a real sh) and counts what it was sent. */
function countingShell(): RemoteShell & { sent: string[][] } {
  const sent: string[][] = [];
  const exec = async (argv: readonly string[], options: { stdin?: string | Buffer } = {}) => {
    sent.push([...argv]);
    const child = execFile(argv[0]!, argv.slice(1));
    child.stdin?.end(options.stdin);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, signal: null, stdout, stderr } satisfies ExecResult;
  };
  const noChannel = (): Promise<ClientChannel> => Promise.reject(new Error('no channels here'));
  return {
    target: 'fake',
    sent,
    exec,
    run: async (argv) => (await exec(argv)).stdout,
    openChannel: noChannel,
    openPty: noChannel,
  };
}

test('commands started together go out as one remote command, each with its answer', async () => {
  const inner = countingShell();
  const shell = new BatchedShell(inner);
  const [a, b, c] = await Promise.all([
    shell.run(['echo', 'a']),
    shell.exec(['sh', '-c', 'exit 7']),
    shell.run(['cat'], { stdin: 'from stdin' }),
  ]);
  assert.equal(inner.sent.length, 1);
  assert.equal(a, 'a\n');
  assert.equal(b.code, 7);
  assert.equal(c, 'from stdin');
  await assert.rejects(shell.run(['false']), /exit 1/);
  // A command alone goes out as itself.
  assert.deepEqual(inner.sent.at(-1), ['false']);
});

test('options a batch cannot honour are refused, and a cancelled command is answered at once', async () => {
  const inner = countingShell();
  const shell = new BatchedShell(inner);
  await assert.rejects(
    shell.exec(['cat'], { holdStdinOpen: true }),
    /batched check command takes no holdStdinOpen: cat/,
  );
  const stop = new AbortController();
  const cancelled = shell.run(['sleep', '0.2'], { signal: stop.signal });
  const other = shell.run(['echo', 'other']);
  setImmediate(() => stop.abort());
  await assert.rejects(cancelled, /Cancelled: sleep 0.2/);
  // The rest of its batch still gets its answer.
  assert.equal(await other, 'other\n');
  assert.equal(inner.sent.length, 1);
  await assert.rejects(shell.run(['true'], { signal: stop.signal }), /Cancelled: true/);
});

for (const signal of ['SIGTERM', 'SIGHUP', 'SIGPIPE'] as const) {
  test(`a batch killed by ${signal} removes its temporary folder`, async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'convirt-batch-'));
    try {
      const script = batchScript([{ argv: ['sleep', '30'] }], MARKER);
      // Its own process group, so the signal reaches sh and its command, as a dying channel's would.
      const child = spawn('sh', ['-c', script], {
        detached: true,
        stdio: 'ignore',
        env: { ...process.env, TMPDIR: tmp },
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // The command's output file exists once the script is past its traps.
      while (!(await readdir(tmp, { recursive: true })).some((f) => f.endsWith('0.o')))
        await new Promise((r) => setTimeout(r, 10));
      process.kill(-child.pid!, signal);
      await exited;
      assert.deepEqual(await readdir(tmp), []);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
}
