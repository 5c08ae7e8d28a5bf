// Help opens the local documentation with convirt.conf's html_browser, and with the fallback
// (xdg-open) when that program cannot start: real processes, a script recording its argument.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { helpDocument, openHelp } from '../../../app/main/backend/help.js';
import { tempDir } from '../inventory/temp-inventory.js';

function recorder(dir: string, name: string): { program: string; opened: () => Promise<string> } {
  const program = join(dir, name);
  const record = join(dir, `${name}.opened`);
  writeFileSync(
    program,
    `#!/bin/sh\nprintf '%s' "$1" > '${record}.tmp' && mv '${record}.tmp' '${record}'\n`,
  );
  chmodSync(program, 0o755);
  return {
    program,
    // The program runs detached: wait for its record (written once, by rename).
    opened: async () => {
      while (!existsSync(record)) await new Promise((r) => setTimeout(r, 10));
      return readFileSync(record, 'utf8');
    },
  };
}

test("the documentation is the program's own: doc/README.md installed, README.md in a checkout", (t) => {
  const dir = tempDir(t);
  assert.equal(helpDocument(dir), null);
  writeFileSync(join(dir, 'README.md'), '# checkout\n');
  assert.equal(helpDocument(dir), join(dir, 'README.md'));
  assert.match(helpDocument() ?? '', /README\.md$/);
});

test('html_browser opens the documentation', async (t) => {
  const dir = tempDir(t);
  const browser = recorder(dir, 'browser');
  const result = await openHelp(browser.program, '/docs/README.md', '/nonexistent/fallback');
  assert.deepEqual(result, { program: browser.program, document: '/docs/README.md' });
  assert.equal(await browser.opened(), '/docs/README.md');
});

test('a html_browser that cannot start falls back; neither starting is a clear error', async (t) => {
  const dir = tempDir(t);
  const fallback = recorder(dir, 'fallback');
  const result = await openHelp('/nonexistent/browser', '/docs/README.md', fallback.program);
  assert.equal(result.program, fallback.program);
  assert.equal(await fallback.opened(), '/docs/README.md');
  await assert.rejects(
    openHelp('/nonexistent/browser', '/docs/README.md', '/nonexistent/fallback'),
    /Could not start \/nonexistent\/browser \(html_browser in convirt\.conf\) nor \/nonexistent\/fallback/,
  );
});
