// Smoke test of the packaged Electron app (`npm run package -- --electron`, unpacked in
// dist/packages/electron/linux-unpacked/): Playwright's _electron starts it, the window opens, the
// contract answers through the preload bridge, and the fleet tree renders. CI
// (.github/workflows/packages.yml) runs it after building the packages; where the packaged app,
// and so Electron's binary, is absent (it cannot be downloaded here), it says so and does not run.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { _electron as electron } from 'playwright-core';

const root = join(import.meta.dirname, '../..');
const unpacked =
  process.env.CONVIRT_PACKAGED_APP ?? join(root, 'dist/packages/electron/linux-unpacked/convirt');
const missing = existsSync(unpacked)
  ? false
  : `no packaged Electron app at ${unpacked}: Electron's binary cannot be downloaded here, so ` +
    "'npm run package -- --electron' cannot build it (CI's packages workflow does)";

test(
  'the packaged Electron app opens its window, answers the contract and shows the fleet',
  { skip: missing, timeout: 120_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convirt-electron-smoke-'));
    const app = await electron.launch({
      executablePath: unpacked,
      // As root (CI containers), Chromium runs only without its OS sandbox.
      args: [
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
        '--data-dir',
        join(dir, 'data'),
      ],
      env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config') },
    });
    try {
      const page = await app.firstWindow();
      assert.equal(await page.title(), 'ConVirt');
      const info = await page.evaluate(async () => {
        const bridge = (
          globalThis as unknown as { convirt: { appInfo: () => Promise<{ mode: string }> } }
        ).convirt;
        return bridge.appInfo();
      });
      assert.equal(info.mode, 'desktop');
      await page.getByRole('status').filter({ hasText: 'No hosts yet' }).waitFor();
      const shots = join(root, 'test-results/screenshots');
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, 'packaged-electron.png') });
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
