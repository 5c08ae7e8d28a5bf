// Provisioning from a template registered by URL in the UI, end to end: Chromium on browser
// mode's real server, the test bed's sshd and libvirtd as a KVM host, its nginx as the web server.
// A direct-download qcow2 template is registered, its row's "Provision…" opens the provisioning
// dialog with it as the source; the host downloads it into its own pool (the test's folder) and the
// VM runs, in the fleet tree and in `virsh list --all`; the row dragged onto the host opens the
// dialog for a second VM on the same pool, which downloads nothing (the task log says the copy is
// reused, nginx served no new GET). Screens are saved to test-results/screenshots/tplprov-*.png.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import type { SshConnection } from '../../app/main/ssh/ssh-connection.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { removeVm } from '../support/tiny-vm.js';
import { testbedHostForm } from './pages/add-host-dialog.js';
import { AppShell } from './pages/app-shell.js';
import { FleetTree } from './pages/fleet-tree.js';
import { ProvisionDialog } from './pages/provision-dialog.js';
import { TaskPane } from './pages/task-pane.js';
import { TemplatesPage } from './pages/templates-page.js';
import { uiTestFor } from './support/ui-test.js';
import { startE2eApp, type E2eApp } from './support/e2e-app.js';

const bed = testbed();
const web = bed.downloads;
const HOST = 'tplkvm';
const TEMPLATE = 'ui-disk';
const first = `${bed.prefix}uitpl1`;
const second = `${bed.prefix}uitpl2`;
// The template's pool and the VMs' disks: one folder of this test's, removed with everything in it.
const pool = `${bed.imagesDir}/${bed.prefix}ui-tplpool`;
const hostTrustDir = join(bed.runDir, 'e2e-tplprov-host-trust');
// Linux interface names have at most 15 characters; the bed host has no bridge of its own.
const bridge = `cvtu${process.pid % 100000}`;

let ssh: SshConnection;
let virsh: KvmDriver;
let app: E2eApp;
/** The contract messages the page received (text frames of browser mode's WebSocket). */
const frames: string[] = [];

const uiTest = uiTestFor(() => app, 'tplprov-');

/** Whole-file GETs (200) nginx served for `path` so far. */
const gets = (path: string) =>
  readFileSync(join(web.dir, 'access.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"GET ${path} `) && / 200 /.test(l)).length;

before(async () => {
  ssh = await connectToTestbed(bed);
  virsh = new KvmDriver(ssh);
  spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  spawnSync('ip', ['link', 'set', bridge, 'up']);
  await ssh.run(['mkdir', '-p', pool]);
  app = await startE2eApp({
    provisioningPaths: { imageCache: `${pool}/cache`, disks: pool },
    hostTrustDir,
  });
  app.page.setDefaultTimeout(30_000);
  app.page.on('websocket', (ws) =>
    ws.on('framereceived', ({ payload }) => {
      if (typeof payload === 'string') frames.push(payload);
    }),
  );
  // The WebSocket opened with the page: load it again so its frames are seen from the start.
  await app.page.reload();
  const dialog = await new AppShell(app.page).openAddHost();
  await dialog.addTrusted(testbedHostForm(bed, HOST), bed.sshd.hostKeyFingerprint);
  await dialog.added.getByRole('button', { name: 'Close' }).click();
});

after(async () => {
  try {
    await app?.close();
    for (const vm of [first, second]) await removeVm(virsh, vm);
    await ssh.run(['rm', '-rf', pool]);
  } finally {
    ssh?.close();
    spawnSync('ip', ['link', 'del', bridge]);
    rmSync(hostTrustDir, { recursive: true, force: true });
  }
});

uiTest('a direct-download template is registered and offers "Provision…"', async () => {
  const screen = await TemplatesPage.open(app.page);
  await screen.openRegister();
  await screen.fillRegister({
    name: TEMPLATE,
    url: `${web.http}/files/${web.disk.name}`,
    checksum: `{SHA-256}${web.disk.sha256}`,
    directDownload: true,
  });
  await screen.submitRegister();
  await new TaskPane(app.page).waitForStatus(`Register ${TEMPLATE}`, 'succeeded', 60_000);
  await screen.row(TEMPLATE).waitFor();
  const cells = await screen.rowText(TEMPLATE);
  assert.deepEqual(
    [cells[3], cells[4], cells[6], cells[8]],
    ['Ready', 'BYPASSED', 'none yet', 'Provision…Remove…'],
  );
  await app.screenshot('tplprov-01-template-row');
});

uiTest('provisioned from its row: the host downloads it and the VM runs', async (t) => {
  const screen = new TemplatesPage(app.page);
  const downloads = gets(`/files/${web.disk.name}`);
  const dialog = await screen.provision(TEMPLATE);
  assert.equal(await dialog.template.inputValue(), TEMPLATE, 'the row is the source');
  assert.equal(await dialog.host.inputValue(), HOST, 'the one KVM host');
  assert.equal(await dialog.field('Memory (MiB)').inputValue(), '512', 'defaults filled in');
  assert.equal(await dialog.field('vCPUs').inputValue(), '1');
  assert.equal(
    await dialog.field('Disk size (MiB)').getAttribute('placeholder'),
    "the image's size",
  );
  assert.equal(await dialog.field('Host name').count(), 0, 'no parameter a template does not take');
  await dialog.fill({ 'VM name': 'bad name', 'Memory (MiB)': '8' });
  await dialog.submit();
  assert.match((await dialog.error('VM name')) ?? '', /Invalid VM name "bad name"/);
  assert.equal(
    await dialog.error('Memory (MiB)'),
    'expected a whole number from 16 to 1048576, got "8"',
  );
  await app.screenshot('tplprov-02-dialog-errors');
  await dialog.fill({ 'VM name': first, 'Memory (MiB)': '64', Bridge: bridge });
  await app.screenshot('tplprov-03-dialog');
  await dialog.submit();
  await dialog.dialog.waitFor({ state: 'detached' });

  const title = `Provision ${HOST}/${first}`;
  const tasks = new TaskPane(app.page);
  await tasks.waitForStatus(title, 'succeeded', 120_000);
  const log = await tasks.readLog(title, `downloaded ${TEMPLATE} to`);
  assert.match(log, new RegExp(`${HOST} downloaded ${TEMPLATE} to ${pool}/template-${TEMPLATE}`));
  assert.equal(gets(`/files/${web.disk.name}`), downloads + 1, 'one download, by the host');
  // Progress while the host downloads reads "bytes of total" (a small file may finish first).
  const progress = frames.flatMap(
    (f) => /Downloading ui-disk: \d+ of \d+ bytes/.exec(f)?.[0] ?? [],
  );
  for (const line of progress) assert.match(line, new RegExp(` of ${web.disk.size} bytes$`));
  t.diagnostic(`progress messages seen: ${progress.length} (${progress.at(-1) ?? 'none'})`);

  const tree = new FleetTree(app.page);
  await tree.expandHost(HOST);
  await tree.waitForVmState(first, 'running', 30_000);
  assert.equal(await virsh.state(first), 'running');
  assert.ok((await ssh.run(['virsh', 'list', '--all', '--name'])).split('\n').includes(first));
  // The templates view lists the host's pool as holding a copy now.
  await screen
    .row(TEMPLATE)
    .getByRole('cell', { name: `${HOST}:${pool}` })
    .waitFor();
  await app.screenshot('tplprov-04-vm-running');
});

uiTest('dragged onto the host, a second VM on the same pool downloads nothing', async () => {
  const screen = new TemplatesPage(app.page);
  const tree = new FleetTree(app.page);
  const downloads = gets(`/files/${web.disk.name}`);
  await screen.dragOnto(TEMPLATE, tree.host(HOST));
  const dialog = new ProvisionDialog(app.page);
  await dialog.dialog.waitFor();
  assert.equal(await dialog.template.inputValue(), TEMPLATE, 'the row dragged is the source');
  assert.equal(await dialog.host.inputValue(), HOST, 'the host it was dropped on');
  await dialog.fill({ 'VM name': second, 'Memory (MiB)': '64', Bridge: bridge });
  await dialog.startAfter.uncheck();
  await dialog.submit();
  await dialog.dialog.waitFor({ state: 'detached' });

  const title = `Provision ${HOST}/${second}`;
  const tasks = new TaskPane(app.page);
  await tasks.waitForStatus(title, 'succeeded', 120_000);
  const log = await tasks.readLog(title, 'nothing downloaded');
  assert.match(log, new RegExp(`Reusing ${pool}/template-${TEMPLATE}\\S* on ${HOST}:${pool}`));
  assert.doesNotMatch(log, /attempt 1 of 3/);
  assert.equal(gets(`/files/${web.disk.name}`), downloads, 'nginx served no new GET');

  await tree.waitForVmState(second, 'shutoff', 30_000);
  assert.equal(await virsh.state(second), 'shutoff');
  await app.screenshot('tplprov-05-second-vm');
});
