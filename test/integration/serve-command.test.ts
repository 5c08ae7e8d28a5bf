// `npm run serve` as operators start it: the given port on 127.0.0.1, the data folder from
// --data-dir, the URL with its token printed, and bad usage refused plainly.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { httpGet } from '../support/browser-mode.js';
import { testbed } from '../support/testbed.js';

const root = join(import.meta.dirname, '../..');
const serveScript = join(root, 'scripts/serve.ts');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

test(
  'npm run serve prints the URL and serves on the given port',
  { timeout: 120_000 },
  async (t) => {
    const port = await freePort();
    const dataDir = join(testbed().runDir, 'serve-data');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', serveScript, '--port', String(port), '--data-dir', dataDir],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    t.after(() => child.kill('SIGTERM'));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const found = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
        if (found) resolve(found[0]);
      });
      child.on('close', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
    });
    assert.equal(new URL(url).port, String(port));
    assert.ok(existsSync(join(dataDir, 'convirt.db')), 'the inventory is in --data-dir');
    const page = await httpGet(port, '/', { Host: `127.0.0.1:${port}` });
    assert.equal(page.status, 401);
    const signIn = await httpGet(port, `/${new URL(url).search}`, {
      Host: `127.0.0.1:${port}`,
    });
    assert.equal(signIn.status, 303);
  },
);

test('bad usage is refused with the usage text', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', serveScript, '--port', 'x'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /--port must be a number/);
  assert.match(run.stderr, /Usage: convirt --serve \[--port N\]/);
});
