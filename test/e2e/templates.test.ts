// Templates and ISOs by URL, end to end: Chromium on browser mode's real server, the test bed's
// sshd host and its nginx. A malformed checksum is refused inline with no task; a direct-download
// template registered through the dialog shows Ready/BYPASSED (a header's value never shows), one
// that is not direct is downloaded into the image store by a task with its log; a
// metalink's dead mirror and good one are both listed by Check URL; the test CA is uploaded,
// listed and removed. Screens are saved to test-results/screenshots/templates-*.png.
import assert from 'node:assert/strict';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { testbed } from '../support/testbed.js';
import { testbedHostForm } from './pages/add-host-dialog.js';
import { AppShell } from './pages/app-shell.js';
import { SecretPrompt } from './pages/secret-prompt.js';
import { TaskPane } from './pages/task-pane.js';
import { TemplatesPage } from './pages/templates-page.js';
import { uiTestFor } from './support/ui-test.js';
import { startE2eApp, type E2eApp } from './support/e2e-app.js';

const bed = testbed();
const web = bed.downloads;
const HOST = 'tplhost';
const hostTrustDir = join(bed.runDir, 'e2e-templates-host-trust');
const sha256 = `{SHA-256}${web.image.sha256}`;

let app: E2eApp;
let screen: TemplatesPage;

const uiTest = uiTestFor(() => app, 'templates-');

before(async () => {
  app = await startE2eApp({ hostTrustDir });
  app.page.setDefaultTimeout(30_000);
  const dialog = await new AppShell(app.page).openAddHost();
  await dialog.addTrusted(testbedHostForm(bed, HOST), bed.sshd.hostKeyFingerprint);
  await dialog.added.getByRole('button', { name: 'Close' }).click();
  screen = await TemplatesPage.open(app.page);
});

after(async () => {
  await app?.close();
  rmSync(hostTrustDir, { recursive: true, force: true });
});

uiTest('a malformed checksum is refused beside its field and no task starts', async () => {
  await screen.page.getByRole('status').filter({ hasText: 'No templates or ISOs yet' }).waitFor();
  await screen.openRegister();
  await screen.fillRegister({
    name: 'bad-sum',
    url: `${web.http}/files/${web.image.name}`,
    checksum: web.image.sha256, // bare hex means MD5: 64 digits is the wrong length
    directDownload: true,
  });
  await screen.submitRegister();
  assert.match(await screen.fieldError('Checksum'), /md5 needs 32 hex digits, not 64/);
  await app.screenshot('templates-01-bad-checksum');
  const tasks = new TaskPane(app.page).region;
  assert.ok(await tasks.getByRole('list', { name: 'Tasks' }).isVisible());
  assert.equal(await tasks.getByRole('listitem').filter({ hasText: 'bad-sum' }).count(), 0);
  await screen.registerDialog.getByRole('button', { name: 'Cancel' }).click();
  await screen.registerDialog.waitFor({ state: 'detached' });
});

uiTest('a direct-download template registered by URL is Ready and BYPASSED', async () => {
  await screen.openRegister();
  await screen.fillRegister({
    name: 'tiny-direct',
    url: `${web.http}/header-only/${web.image.name}`,
    checksum: sha256,
    os: 'Debian 12',
    headers: [web.header],
    directDownload: true,
  });
  await app.screenshot('templates-02-register-form');
  await screen.submitRegister();
  // The header's value goes into the secret store, created here under a new master passphrase.
  await new SecretPrompt(app.page).answerNewMasterPassphrase('e2e templates master 4Rv!');
  await screen.registerDialog.waitFor({ state: 'detached' });
  await new TaskPane(app.page).waitForStatus('Register tiny-direct', 'succeeded', 60_000);
  await screen.row('tiny-direct').waitFor();
  assert.deepEqual(await screen.rowText('tiny-direct'), [
    'qcow2',
    'Debian 12',
    'kvm',
    'Ready',
    'BYPASSED',
    '3.1 MB',
    'none yet',
    web.header.name,
    'Provision…Remove…',
  ]);
  const page = (await app.page.content()) + (await app.page.locator('body').innerText());
  assert.ok(!page.includes(web.header.value), 'the header value is never sent back');
  await app.screenshot('templates-03-registered');
});

uiTest('a registration that is not direct is downloaded into the image store', async () => {
  await screen.openRegister();
  await screen.fillRegister({
    name: 'tiny-stored',
    url: `${web.http}/files/${web.image.name}`,
    checksum: `{MD5}${web.image.md5}`,
    directDownload: false,
  });
  await screen.submitRegister();
  const tasks = new TaskPane(app.page);
  await tasks.waitForStatus('Register tiny-stored', 'succeeded', 60_000);
  const log = await tasks.readLog('Register tiny-stored', 'Downloading into the local image store');
  assert.match(log, new RegExp(`Checking ${web.http}/files/${web.image.name} from ${HOST}`));
  await screen.row('tiny-stored').waitFor();
  const [, , , state, download, size] = await screen.rowText('tiny-stored');
  assert.deepEqual([state, download, size], ['Ready', 'DOWNLOADED', '3.1 MB']);
  assert.equal(
    statSync(join(app.dataDir, 'url-templates', 'tiny-stored.qcow2')).size,
    web.image.size,
  );
  await app.screenshot('templates-04-stored-with-log');
});

uiTest('Check URL lists a metalink’s dead mirror and its good one', async () => {
  const { summary, candidates } = await screen.checkUrl(`${web.http}/files/image.meta4`);
  assert.match(summary, new RegExp(`Checked from ${HOST}: reachable at ${web.http}/files/`));
  assert.equal(candidates.length, 2);
  const [dead, good] = candidates as [[string, string], [string, string]];
  assert.equal(dead[0], `http://127.0.0.1:${web.deadPort}/files/${web.image.name}`);
  assert.match(dead[1], /^Failed: /);
  assert.equal(good[0], `${web.http}/files/${web.image.name}`);
  assert.match(good[1], /^OK \(HTTP 200, 3\.1 MB\)$/);
  await app.screenshot('templates-05-check-metalink');
  await screen.closeCheck();
});

uiTest('the test CA is uploaded, listed with its subject, then removed', async () => {
  await screen.uploadCa('bed-ca', web.caPem);
  const row = screen.certificateRow('bed-ca');
  await row.waitFor({ timeout: 60_000 });
  const [kind, subject, from, to] = await row.getByRole('cell').allTextContents();
  assert.equal(kind, 'CA');
  assert.match(subject ?? '', /CN=/);
  assert.ok(from && to && from < to, `${from} .. ${to}`);
  await app.screenshot('templates-06-certificate-listed');
  await screen.removeCertificate('bed-ca');
  await row.waitFor({ state: 'detached' });
  await screen.page.getByRole('status').filter({ hasText: 'No certificates' }).waitFor();
});

uiTest('templates are removed from the grid, with their image store copy', async () => {
  for (const name of ['tiny-direct', 'tiny-stored']) {
    await screen
      .row(name)
      .getByRole('button', { name: `Remove ${name}` })
      .click();
    await screen
      .row(name)
      .getByRole('button', { name: `Really remove ${name}` })
      .click();
    await screen.row(name).waitFor({ state: 'detached' });
  }
  assert.equal(existsSync(join(app.dataDir, 'url-templates', 'tiny-stored.qcow2')), false);
  await screen.page.getByRole('status').filter({ hasText: 'No templates or ISOs yet' }).waitFor();
  await app.screenshot('templates-07-removed');
});

test('the page broke no CSP rule and threw no uncaught error', (t) => {
  assert.deepEqual(app.pageErrors, []);
  for (const line of app.consoleErrors) t.diagnostic(`console error: ${line}`);
});
