// docs/cli.md is what `npm run docs:cli` makes from the command table: a command added or changed
// without regenerating it fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliDoc } from '../../../app/main/cli/cli-doc.js';
import { COMMANDS } from '../../../app/main/cli/commands/index.js';
import { findCommand, usageText } from '../../../app/main/cli/command-table.js';

test('docs/cli.md is up to date with the command table (npm run docs:cli)', () => {
  const committed = readFileSync(join(import.meta.dirname, '../../../docs/cli.md'), 'utf8');
  assert.equal(committed, cliDoc(COMMANDS));
});

test('every command is in the usage text, and each name selects its own command', () => {
  const usage = usageText(COMMANDS);
  for (const command of COMMANDS) {
    assert.ok(usage.includes(`  ${command.name}`), command.name);
    assert.equal(findCommand(COMMANDS, [...command.name.split(' '), 'x'])?.command, command);
  }
  assert.equal(new Set(COMMANDS.map((c) => c.name)).size, COMMANDS.length, 'names are unique');
});
