// The SSH core against the real sshd: quoting survives a real shell byte for byte, and a
// connection killed in the middle of an operation fails that task clearly, then reconnects.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { HostConnections } from '../../app/main/fleet/host-connections.js';
import { Inventory } from '../../app/main/inventory/index.js';
import { copyBetweenHosts } from '../../app/main/migration/host-streams.js';
import {
  channelExit,
  ConnectionLostError,
  type RemoteShell,
} from '../../app/main/ssh/ssh-connection.js';
import { TaskRunner } from '../../app/main/tasks/task-runner.js';
import { connectToTestbed, testbed } from '../support/testbed.js';

const bed = testbed();

/** Strings built to hurt a shell: quotes, $(), backticks, newlines, ; | & < >, dashes, unicode. */
const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replaceAll('\0', '')),
  fc
    .array(
      fc.constantFrom(
        "'",
        '"',
        '$(',
        ')',
        '`',
        '\n',
        ';',
        '|',
        '&',
        '<',
        '>',
        '-',
        '--',
        '\\',
        '*',
        '?',
        '~',
        '!',
        '#',
        '${IFS}',
        ' ',
        '\t',
        'é',
        '雪',
        '🚀',
        'a',
        '%s',
        '%n',
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join('')),
);

test(
  'thousands of hostile strings come back from a real shell byte for byte',
  { timeout: 120_000 },
  async (t) => {
    const ssh = await connectToTestbed(bed);
    t.after(() => ssh.close());
    const strings = fc.sample(hostile, { numRuns: 3000, seed: 20261122 });
    // 100 arguments per command: printf prints each followed by a NUL, which no argument holds.
    for (let i = 0; i < strings.length; i += 100) {
      const batch = strings.slice(i, i + 100);
      const result = await ssh.exec(['printf', '%s\\0', ...batch]);
      assert.equal(result.code, 0, result.stderr);
      const back = result.stdout.split('\0').slice(0, -1);
      for (const [j, sent] of batch.entries()) {
        assert.equal(
          Buffer.compare(Buffer.from(back[j] ?? ''), Buffer.from(sent)),
          0,
          JSON.stringify(sent),
        );
      }
    }
    t.diagnostic(`${strings.length} strings checked`);
  },
);

/** PIDs of the sshd processes serving connections of the test bed's sshd (its children). */
function sessionProcesses(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(join('/proc', entry, 'stat'), 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === bed.sshd.pid) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

test(
  'a connection killed mid-operation fails the task clearly; the next one reconnects',
  { timeout: 60_000 },
  async (t) => {
    const inventory = Inventory.open({ dataDir: mkdtempSync(join(bed.runDir, 'killed-data-')) });
    const connections = new HostConnections(() => connectToTestbed(bed));
    const runner = new TaskRunner(inventory.tasks, inventory.audit);
    t.after(() => {
      connections.closeAll();
      inventory.close();
    });

    const first = await connections.get('tb');
    const { task, result } = runner.run('test.long', 'tb', async (ctx) => {
      await ctx.record(first).run(['sleep', '30']);
    });
    // Wait until the command is running on the host, then kill the sshd serving the connection
    // (tests run one file at a time, so it is the only connection to the test bed's sshd).
    const started = Date.now();
    while (inventory.tasks.log(task.id).length === 0 && Date.now() - started < 5000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    const killed = sessionProcesses();
    assert.ok(killed.length > 0);
    for (const pid of killed) process.kill(pid, 'SIGKILL');

    await assert.rejects(result, (err: unknown) => err instanceof ConnectionLostError);
    const failed = inventory.tasks.get(task.id)!;
    assert.equal(failed.status, 'failed');
    assert.match(failed.error ?? '', /connection to .* was lost/i);

    // The next operation opens a new connection by itself.
    const again = await connections.get('tb');
    assert.notEqual(again, first);
    assert.equal((await again.run(['echo', 'back'])).trim(), 'back');
  },
);

test(
  'cancelling a task stops its remote command and marks it cancelled',
  { timeout: 30_000 },
  async (t) => {
    const inventory = Inventory.open({ dataDir: mkdtempSync(join(bed.runDir, 'cancel-data-')) });
    const ssh = await connectToTestbed(bed);
    const runner = new TaskRunner(inventory.tasks, inventory.audit);
    t.after(() => {
      ssh.close();
      inventory.close();
    });
    const started = Date.now();
    const { task, result } = runner.run('test.cancel', 'tb', (ctx) =>
      ctx.record(ssh).run(['sleep', '30']),
    );
    while (inventory.tasks.log(task.id).length === 0) await new Promise((r) => setTimeout(r, 20));
    assert.equal(runner.cancel(task.id), true);
    await assert.rejects(result, /Cancelled by the operator/);
    assert.ok(Date.now() - started < 10_000, 'the 30 s command did not run to its end');
    assert.equal(inventory.tasks.get(task.id)!.status, 'cancelled');
    assert.equal(runner.cancel(task.id), false);
    // The connection is still good for the next operation.
    assert.equal((await ssh.run(['echo', 'still here'])).trim(), 'still here');
  },
);

test(
  "a short command's exit status is kept while its opener awaits something else",
  { timeout: 60_000 },
  async (t) => {
    const source = await connectToTestbed(bed);
    const target = await connectToTestbed(bed);
    t.after(() => {
      source.close();
      target.close();
    });
    const dir = mkdtempSync(join(bed.runDir, 'copy-'));
    writeFileSync(join(dir, 'small'), 'a file smaller than a channel window\n');

    // The command's output, exit status and close all arrive while nothing listens.
    const channel = await source.openChannel(['sh', '-c', 'echo done; exit 3']);
    await new Promise((r) => setTimeout(r, 500));
    channel.resume();
    assert.deepEqual(await channelExit(channel), { code: 3, signal: null });

    // A disk copy whose writer opens slowly (a loaded host): the source's `cat` has long ended
    // when the copy starts listening (this failed as "exit null" on the emulated Xen dom0).
    const slowTarget: RemoteShell = {
      target: target.target,
      exec: (argv, o) => target.exec(argv, o),
      run: (argv, o) => target.run(argv, o),
      openPty: (argv, size) => target.openPty(argv, size),
      openChannel: async (argv, pty) => {
        await new Promise((r) => setTimeout(r, 500));
        return target.openChannel(argv, pty);
      },
    };
    await copyBetweenHosts(
      { shell: source, argv: ['cat', '--', join(dir, 'small')] },
      { shell: slowTarget, argv: ['sh', '-c', 'cat > "$1"', 'sh', join(dir, 'copy')] },
      new AbortController().signal,
      () => undefined,
    );
    assert.equal(readFileSync(join(dir, 'copy'), 'utf8'), 'a file smaller than a channel window\n');
  },
);
