// A host whose key changes, in the UI: its screen shows it refused with the new fingerprint and
// offers "Accept new key…", whose confirmation shows the known and the new fingerprints; once
// accepted the host is connected again. Against an sshd of the test's own (the bed's keeps its
// key). Screenshot: test-results/screenshots/host-key-changed.png.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { isAlive } from '../bed/process.js';
import { startSshd, type TestSshdInfo } from '../bed/sshd.js';
import { newHostKey, restartSshd, stopSshdWithSessions } from '../support/faults.js';
import { testbed } from '../support/testbed.js';
import { AppShell } from './pages/app-shell.js';
import { HostPage } from './pages/host-page.js';
import { startE2eApp, type E2eApp } from './support/e2e-app.js';
import { uiTestFor } from './support/ui-test.js';

const bed = testbed();
const dir = mkdtempSync(join(bed.runDir, 'e2e-host-key-'));
let app: E2eApp;
let sshd: TestSshdInfo;
const uiTest = uiTestFor(() => app);

before(async () => {
  sshd = await startSshd(join(dir, 'sshd'));
  app = await startE2eApp();
  app.page.setDefaultTimeout(30_000);
});

after(async () => {
  await app?.close();
  if (sshd && isAlive(sshd.pid)) stopSshdWithSessions(sshd.pid);
  rmSync(dir, { recursive: true, force: true });
});

uiTest(
  'a changed host key is refused until the operator accepts it on the host screen',
  async () => {
    const { page } = app;
    const dialog = await new AppShell(page).openAddHost();
    await dialog.addTrusted(
      {
        address: '127.0.0.1',
        port: sshd.port,
        name: 'rekeyed',
        user: sshd.username,
        keyFile: sshd.clientKeyPath,
      },
      sshd.hostKeyFingerprint,
    );
    await dialog.showHost();
    const host = new HostPage(page, 'rekeyed');
    await host.heading.waitFor();
    await host.status('connected').waitFor();

    // The host is reinstalled: the same address answers with a new key.
    const known = sshd.hostKeyFingerprint;
    stopSshdWithSessions(sshd.pid);
    const offered = await newHostKey(sshd);
    sshd.pid = await restartSshd(sshd);

    await host.acceptNewKey.waitFor({ timeout: 60_000 });
    const refusal = (await host.error.textContent()) ?? '';
    assert.match(refusal, /^rekeyed is refused: .*has CHANGED/);
    assert.ok(refusal.includes(offered), refusal);
    await host.acceptNewKey.click();
    const confirm = host.acceptKeyDialog;
    await confirm.waitFor();
    assert.equal(await confirm.getByLabel('Known key fingerprint').textContent(), known);
    assert.equal(await confirm.getByLabel('New key fingerprint').textContent(), offered);
    await app.screenshot('host-key-changed');

    await confirm.getByRole('button', { name: 'Accept the new key' }).click();
    await confirm.waitFor({ state: 'detached', timeout: 60_000 });
    await host.status('connected').waitFor({ timeout: 60_000 });
    await host.acceptNewKey.waitFor({ state: 'detached' });
    assert.deepEqual(app.pageErrors, []);
  },
);
