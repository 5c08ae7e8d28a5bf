// About and settings shows convirt.conf as main reads it: the file, each value with the line it
// came from or its default, and the warnings (an unknown key). Screenshot:
// test-results/screenshots/settings.png.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { AppShell } from './pages/app-shell.js';
import { startE2eApp, type E2eApp } from './support/e2e-app.js';
import { uiTestFor } from './support/ui-test.js';

let app: E2eApp;
const dir = mkdtempSync(join(tmpdir(), 'convirt-settings-'));
const configFile = join(dir, 'convirt.conf');
/** html_browser: records the document it was asked to open. */
const browser = join(dir, 'browser');
const opened = join(dir, 'opened');
const uiTest = uiTestFor(() => app);

before(async () => {
  writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
  chmodSync(browser, 0o755);
  writeFileSync(
    configFile,
    [
      '[CLIENT CONFIGURATION]',
      'default_ssh_port = 2222',
      'mystery_key = 1',
      `html_browser = ${browser}`,
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  app = await startE2eApp({ configFile });
  app.page.setDefaultTimeout(30_000);
});

after(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

uiTest('About and settings lists every convirt.conf value with where it came from', async () => {
  const { page } = app;
  await new AppShell(page).mainNav.getByRole('button', { name: 'About and settings' }).click();
  await page.getByRole('heading', { name: 'About and settings' }).waitFor();
  await page.getByText(`Read from ${configFile}.`).waitFor();
  const values = page.getByRole('table', { name: 'Configuration values' });
  const port = values
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: 'default_ssh_port' }) });
  assert.match(await port.innerText(), new RegExp(`2222\\s+${configFile} line 2`));
  const store = values
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: 'image_store' }) });
  assert.match(await store.innerText(), /default:/);
  const warnings = page.getByRole('list', { name: 'convirt.conf warnings' });
  assert.match(await warnings.innerText(), /line 3.*mystery_key/s);
  await app.screenshot('settings');
});

uiTest('Open the documentation starts html_browser with the local documentation', async () => {
  const { page } = app;
  await page.getByRole('button', { name: 'Open the documentation' }).click();
  const status = page.getByRole('status').filter({ hasText: `with ${browser}.` });
  await status.waitFor();
  assert.match(await status.innerText(), /^Opened \/\S+README\.md with /);
  // The program runs detached: its record may come a moment after the answer.
  for (let i = 0; i < 100 && !existsSync(opened); i++) await page.waitForTimeout(50);
  assert.match(readFileSync(opened, 'utf8'), /README\.md$/);
});

uiTest("Add host offers convirt.conf's default_ssh_port for an empty port", async () => {
  const dialog = await new AppShell(app.page).openAddHost();
  const port = dialog.form.getByRole('spinbutton', { name: 'Port' });
  assert.equal(await port.inputValue(), '');
  // The placeholder comes with main's configInfo answer, a moment after the dialog opens.
  for (let i = 0; i < 100 && (await port.getAttribute('placeholder')) === '22'; i++)
    await app.page.waitForTimeout(50);
  assert.equal(await port.getAttribute('placeholder'), '2222');
  assert.equal(await port.getAttribute('title'), "Empty: convirt.conf's default_ssh_port");
  await app.screenshot('add-host-default-port');
  await app.page.keyboard.press('Escape');
});
