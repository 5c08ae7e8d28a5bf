import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReconnectingShell } from '../../../app/main/ssh/reconnecting-shell.js';
import {
  ConnectionLostError,
  RemoteCommandError,
  type RemoteShell,
} from '../../../app/main/ssh/ssh-connection.js';

/** A shell whose run() answers with `answer` (an Error is thrown); the rest is not used. */
function shell(target: string, answer: string | Error, calls: string[]): RemoteShell {
  const run = (argv: readonly string[]) => {
    calls.push(`${target}: ${argv.join(' ')}`);
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  const unused = () => Promise.reject(new Error('not used'));
  return {
    target,
    run,
    exec: unused,
    openChannel: unused,
    openPty: unused,
  };
}

test('a command that finds the connection lost runs once more on a new one', async () => {
  const calls: string[] = [];
  let reopened = 0;
  const reconnecting = new ReconnectingShell(
    shell('old', new ConnectionLostError('root@h:22'), calls),
    () => {
      reopened++;
      return Promise.resolve(shell('new', 'ok', calls));
    },
  );
  assert.equal(await reconnecting.run(['rm', '-f', '/x']), 'ok');
  assert.equal(await reconnecting.run(['rm', '-f', '/y']), 'ok');
  assert.deepEqual(calls, ['old: rm -f /x', 'new: rm -f /x', 'new: rm -f /y']);
  assert.equal(reopened, 1);
  assert.equal(reconnecting.target, 'new');
});

test('other failures, and a failing reconnection, are the caller’s', async () => {
  const calls: string[] = [];
  const failed = new RemoteCommandError('rm /x', {
    code: 1,
    signal: null,
    stdout: '',
    stderr: 'no',
  });
  const noReopen = () => Promise.reject(new Error('must not reconnect'));
  await assert.rejects(
    new ReconnectingShell(shell('h', failed, calls), noReopen).run(['rm']),
    failed,
  );
  const down = new ReconnectingShell(shell('h', new ConnectionLostError('h'), calls), () =>
    Promise.reject(new Error('h is unreachable')),
  );
  await assert.rejects(down.run(['rm']), /h is unreachable/);
});
