// A host's check commands as one remote command: the script runs here in a real sh, and the
// batching is counted on a fake shell.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
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
