import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { dataDirPath, resolveDataDir } from '../../../app/main/inventory/data-dir.js';
import { tempDir } from './temp-inventory.js';

test('the flag wins, then CONVIRT_DATA_DIR, then XDG_DATA_HOME, then ~/.local/share', () => {
  const home = '/home/ann';
  const env = { CONVIRT_DATA_DIR: '/env/dir', XDG_DATA_HOME: '/xdg' };
  assert.equal(dataDirPath({ flag: '/flag/dir', env, home }), '/flag/dir');
  assert.equal(dataDirPath({ env, home }), '/env/dir');
  assert.equal(dataDirPath({ env: { XDG_DATA_HOME: '/xdg' }, home }), '/xdg/convirt');
  assert.equal(dataDirPath({ env: {}, home }), '/home/ann/.local/share/convirt');
});

test('empty values and a relative XDG_DATA_HOME are ignored; ~ and relative paths resolve', () => {
  const home = '/home/ann';
  assert.equal(
    dataDirPath({ flag: '', env: { CONVIRT_DATA_DIR: '', XDG_DATA_HOME: 'rel' }, home }),
    '/home/ann/.local/share/convirt',
  );
  assert.equal(dataDirPath({ flag: '~/cv', env: {}, home }), '/home/ann/cv');
  assert.equal(dataDirPath({ env: { CONVIRT_DATA_DIR: '~' }, home }), '/home/ann');
  assert.equal(dataDirPath({ flag: 'data', env: {}, home }), resolve('data'));
});

test('resolveDataDir creates a missing folder with mode 0700, and leaves an existing one', (t) => {
  const root = tempDir(t);
  const home = join(root, 'home');
  const dir = resolveDataDir({ env: {}, home });
  assert.equal(dir, join(home, '.local', 'share', 'convirt'));
  assert.ok(statSync(dir).isDirectory());
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(resolveDataDir({ env: {}, home }), dir);

  const viaFlag = resolveDataDir({ flag: join(root, 'flagged'), env: {}, home });
  assert.ok(existsSync(viaFlag));
  assert.equal(statSync(viaFlag).mode & 0o777, 0o700);
});
