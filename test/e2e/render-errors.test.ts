// A render error stays in the screen that failed: Chromium on browser mode's real server, with
// Playwright between page and server rewriting one answer (listAppliances) into data the image
// store cannot show, as a main of another version might send. The screen says so in an alert,
// the tree and the top bar keep working, another screen shows normally, and "Reload window"
// shows the screen once good data comes. Screenshot: test-results/screenshots/render-error.png.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { decodeWire, encodeWire, type ServerMessage } from '../../app/shared/contract/wire.js';
import { AppShell } from './pages/app-shell.js';
import { uiTestFor } from './support/ui-test.js';
import { startE2eApp, type E2eApp } from './support/e2e-app.js';

let app: E2eApp;
const uiTest = uiTestFor(() => app);

/** While true, every listAppliances answer has an appliance without its hypervisor list. */
let corrupt = true;

before(async () => {
  app = await startE2eApp();
  app.page.setDefaultTimeout(30_000);
  const calls = new Map<number, string>();
  await app.page.routeWebSocket('**/contract', (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const call = JSON.parse(String(message)) as { id?: number; method?: string };
      if (call.id !== undefined && call.method) calls.set(call.id, call.method);
      server.send(message);
    });
    server.onMessage((message) => {
      const answer = decodeWire(String(message)) as ServerMessage;
      if (!corrupt || !('result' in answer) || calls.get(answer.id) !== 'listAppliances') {
        ws.send(message);
        return;
      }
      const appliances = answer.result as Record<string, unknown>[];
      ws.send(
        encodeWire({ ...answer, result: appliances.map((a) => ({ ...a, hypervisors: null })) }),
      );
    });
  });
  // The route applies to sockets opened from now on: the page connects again.
  await app.page.reload();
});

after(async () => {
  await app?.close();
});

uiTest('a screen that cannot render says so, and the rest of the window works', async () => {
  const { page } = app;
  const shell = new AppShell(page);
  await shell.mainNav.getByRole('button', { name: 'Image store' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'This screen hit an error' });
  await alert.waitFor();
  assert.match(await alert.innerText(), /hypervisors|null/);
  await app.screenshot('render-error');
  // The fleet tree and the top bar are still there and answer.
  await page.getByRole('tree').waitFor();
  await shell.openDashboard();
  assert.equal(await alert.count(), 0, 'another screen renders normally');

  // Once good data comes, reloading the window shows the screen.
  await shell.mainNav.getByRole('button', { name: 'Image store' }).click();
  await alert.waitFor();
  corrupt = false;
  await alert.getByRole('button', { name: 'Reload window' }).click();
  await shell.mainNav.getByRole('button', { name: 'Image store' }).click();
  await page.getByRole('heading', { name: 'Image store', level: 1 }).waitFor();
  assert.equal(await alert.count(), 0);
  assert.deepEqual(app.pageErrors, [], 'no uncaught error reached the page');
});
