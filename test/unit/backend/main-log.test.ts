// convirt.log goes where convirt.conf's log_dir says: a start line naming the file read, its
// warnings, and a stop line; the folder and file are the user's own.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openConvirt } from '../../../app/main/backend/open-convirt.js';
import { loadConfig } from '../../../app/main/config/index.js';
import { tempDir } from '../inventory/temp-inventory.js';

test('convirt.log is written in log_dir: start with the convirt.conf read, its warnings, stop', (t) => {
  const dir = tempDir(t);
  const logDir = join(dir, 'logs', 'convirt');
  const file = join(dir, 'convirt.conf');
  writeFileSync(file, `[PATHS]\nlog_dir = ${logDir}\nunknown_key = 1\n`, { mode: 0o644 });
  const convirt = openConvirt({
    dataDir: dir,
    home: dir,
    config: loadConfig({ flag: file }),
    mode: 'browser',
    version: 'test',
    localTerminal: false,
    polling: { pollIntervalMs: 3_600_000, fastPollIntervalMs: 3_600_000 },
  });
  convirt.close();
  const log = readFileSync(join(logDir, 'convirt.log'), 'utf8').trim().split('\n');
  assert.match(log[0]!, new RegExp(`info: browser test started; convirt\\.conf: ${file};`));
  assert.match(log[1]!, /warning: .*line 3: \[PATHS\] unknown_key: unknown key/);
  assert.match(log[2]!, /info: browser stopped$/);
  assert.equal(statSync(logDir).mode & 0o777, 0o700);
  assert.equal(statSync(join(logDir, 'convirt.log')).mode & 0o777, 0o600);
});
