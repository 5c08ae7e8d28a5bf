import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { currentProcessOwner, ownerId } from '../../../app/main/inventory/index.js';

test('this process is alive; a process that exited, or a PID above any PID, is not', () => {
  assert.equal(currentProcessOwner.id, ownerId(process.pid));
  assert.equal(currentProcessOwner.isAlive(currentProcessOwner.id), true);
  const exited = spawnSync(process.execPath, ['-e', '']).pid;
  assert.equal(currentProcessOwner.isAlive(ownerId(exited)), false);
  assert.equal(currentProcessOwner.isAlive('4194305:1'), false);
  assert.equal(currentProcessOwner.isAlive('not a pid'), false);
});

test('a live PID with another start time is another program under a reused PID', (t) => {
  if (!existsSync('/proc/self/stat')) return t.skip('no /proc here');
  const [pid, started] = currentProcessOwner.id.split(':');
  assert.ok(started, 'the start time is known on Linux');
  assert.equal(currentProcessOwner.isAlive(`${pid}:${Number(started) + 1}`), false);
  // Written by a version without start times: the PID alone decides.
  assert.equal(currentProcessOwner.isAlive(`${pid}:`), true);
});
