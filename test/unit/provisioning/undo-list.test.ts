import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UndoList } from '../../../app/main/provisioning/undo-list.js';

test('undo runs newest first, keeps going past a failure, and reports both', async () => {
  const ran: string[] = [];
  const undo = new UndoList();
  undo.add('folder /w', () => Promise.resolve(void ran.push('folder')));
  undo.add('file /d', () => Promise.reject(new Error('busy')));
  undo.add('domain vm', () => Promise.resolve(void ran.push('domain')));
  const { removed, failed } = await undo.undo();
  assert.deepEqual(ran, ['domain', 'folder']);
  assert.deepEqual(removed, ['domain vm', 'folder /w']);
  assert.deepEqual(failed, ['file /d: busy']);
  assert.deepEqual(await undo.undo(), { removed: [], failed: [] }, 'each step runs once');
});
