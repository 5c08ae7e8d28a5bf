// The Catalogs view end to end: Chromium on browser mode's real server, the test bed's sshd and
// libvirtd as a KVM host, its nginx serving a HEPiX image list signed by a test endorser (a CA
// and an endorser certificate made by openssl) and the small qcow2 image the list names. The
// subscribe dialog checks its fields and shows a list it refuses (signed by an untrusted CA);
// the good list is subscribed from the dialog, its image is registered disabled, enabled from the
// catalog, provisioned onto the KVM host through the provisioning dialog, and the VM runs. Update
// now is a task; Unsubscribe keeps the templates and says which. Screens are saved to
// test-results/screenshots/catalogs-*.png.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import type { SshConnection } from '../../app/main/ssh/ssh-connection.js';
import {
  makeImageListPki,
  publishImageList,
  servedFolder,
  serveImage,
  type ImageListPki,
  type ListSpec,
  type ServedFolder,
} from '../support/image-list-fixtures.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { removeVm } from '../support/tiny-vm.js';
import { testbedHostForm } from './pages/add-host-dialog.js';
import { AppShell } from './pages/app-shell.js';
import { CatalogsPage } from './pages/catalogs-page.js';
import { FleetTree } from './pages/fleet-tree.js';
import { TaskPane } from './pages/task-pane.js';
import { TemplatesPage } from './pages/templates-page.js';
import { uiTestFor } from './support/ui-test.js';
import { startE2eApp, type E2eApp } from './support/e2e-app.js';

const bed = testbed();
const web = bed.downloads;
const HOST = 'catkvm';
const SUBSCRIPTION = 'catalog';
const TITLE = 'Tiny disk';
/** The image's dc:identifier, which names its template. */
const IMAGE = `${bed.prefix}catimg`;
const vm = `${bed.prefix}catvm1`;
const pool = `${bed.imagesDir}/${bed.prefix}ui-catpool`;
const hostTrustDir = join(bed.runDir, 'e2e-catalogs-host-trust');
// Linux interface names have at most 15 characters; the bed host has no bridge of its own.
const bridge = `cvtc${process.pid % 100000}`;

let ssh: SshConnection;
let virsh: KvmDriver;
let app: E2eApp;
let pki: ImageListPki;
let folder: ServedFolder;
let listUrl: string;
let rogueUrl: string;

const uiTest = uiTestFor(() => app, 'catalogs-');

before(async () => {
  pki = makeImageListPki();
  folder = servedFolder(web, `${bed.prefix}catalogs`);
  const spec: ListSpec = {
    identifier: `${bed.prefix}catalog-list`,
    version: '1.0.0',
    title: 'Test bed endorsed images',
    endorser: pki.endorser,
    images: [
      serveImage(folder, join(web.dir, 'www', 'files', web.disk.name), {
        identifier: IMAGE,
        title: TITLE,
        version: '1.0',
      }),
    ],
  };
  listUrl = publishImageList(folder, 'list.smime', spec, pki.endorser, pki);
  rogueUrl = publishImageList(folder, 'rogue.smime', spec, pki.rogue, pki);

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
  const dialog = await new AppShell(app.page).openAddHost();
  await dialog.addTrusted(testbedHostForm(bed, HOST), bed.sshd.hostKeyFingerprint);
  await dialog.added.getByRole('button', { name: 'Close' }).click();
});

after(async () => {
  try {
    await app?.close();
    await removeVm(virsh, vm);
    await ssh.run(['rm', '-rf', pool]);
  } finally {
    ssh?.close();
    spawnSync('ip', ['link', 'del', bridge]);
    rmSync(hostTrustDir, { recursive: true, force: true });
    if (folder) rmSync(folder.dir, { recursive: true, force: true });
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  }
});

uiTest('the subscribe dialog checks its fields, then shows why a list is refused', async () => {
  const screen = await CatalogsPage.open(app.page);
  await app.page.getByText('No subscriptions yet').waitFor();
  await screen.openSubscribe();
  await screen.fillSubscribe({ url: 'ftp://lists.example.org/x', endorserDn: 'CN=Jane' });
  await screen.submitSubscribe();
  assert.match(await screen.fieldError('List URL'), /only http and https URLs are accepted/);
  assert.match(await screen.fieldError('CA folder path'), /or allow unsigned lists/);
  assert.match(await screen.fieldError('Endorser DN (optional)'), /OpenSSL one-line way/);
  await app.screenshot('catalogs-01-subscribe-errors');

  // Signed by a CA the subscription does not trust: refused by the task, shown in the dialog.
  await screen.fillSubscribe({
    url: rogueUrl,
    trust: { kind: 'folder', path: pki.caDir },
    name: 'rogue',
  });
  await screen.submitSubscribe();
  assert.match(await screen.refusal(), /^Not subscribed: .*signature does not verify/);
  assert.equal(await screen.subscribeDialog.count(), 1, 'the dialog stays open');
  await app.screenshot('catalogs-02-subscribe-refused');
});

uiTest('subscribed from the dialog: the image is registered disabled', async () => {
  const screen = new CatalogsPage(app.page);
  await screen.fillSubscribe({
    url: listUrl,
    trust: { kind: 'folder', path: pki.caDir },
    endorserDn: pki.endorser.dn,
    name: SUBSCRIPTION,
  });
  await app.screenshot('catalogs-03-subscribe-dialog');
  await screen.submitSubscribe();
  await screen.subscribeDialog.waitFor({ state: 'detached', timeout: 90_000 });
  await new TaskPane(app.page).waitForStatus(`Subscribe ${SUBSCRIPTION}`, 'succeeded');

  const [url, endorser, version, , state] = await screen.subscriptionText(SUBSCRIPTION);
  assert.deepEqual([url, endorser, version, state], [listUrl, pki.endorser.dn, '1.0.0', 'current']);
  await screen.waitForImageState(SUBSCRIPTION, TITLE, 'registered, disabled');
  const [imageVersion, size, hypervisor, format, os] = await screen.imageText(SUBSCRIPTION, TITLE);
  assert.deepEqual(
    [imageVersion, hypervisor, format, os],
    ['1.0', 'QEMU,KVM', 'qcow2', 'Linux Tiny 1'],
  );
  assert.match(size ?? '', /kB$/);
  assert.equal(
    await screen
      .image(SUBSCRIPTION, TITLE)
      .getByRole('button', { name: /^Provision/ })
      .count(),
    0,
    'a disabled template offers no provisioning',
  );
  await app.screenshot('catalogs-04-registered-disabled');
});

uiTest('enabled from the catalog and provisioned onto the KVM host: the VM runs', async () => {
  const screen = new CatalogsPage(app.page);
  await screen.enable(TITLE);
  await screen.waitForImageState(SUBSCRIPTION, TITLE, 'enabled');

  const dialog = await screen.provision(TITLE);
  assert.equal(await dialog.template.inputValue(), IMAGE, "the image's template is the source");
  assert.equal(await dialog.host.inputValue(), HOST);
  await dialog.fill({ 'VM name': vm, 'Memory (MiB)': '64', Bridge: bridge });
  await dialog.submit();
  await dialog.dialog.waitFor({ state: 'detached' });

  const title = `Provision ${HOST}/${vm}`;
  const tasks = new TaskPane(app.page);
  await tasks.waitForStatus(title, 'succeeded', 120_000);
  const log = await tasks.readLog(title, `downloaded ${IMAGE} to`);
  assert.match(log, new RegExp(`${HOST} downloaded ${IMAGE} to ${pool}/`));

  const tree = new FleetTree(app.page);
  await tree.expandHost(HOST);
  await tree.waitForVmState(vm, 'running', 30_000);
  assert.equal(await virsh.state(vm), 'running');
  await app.screenshot('catalogs-05-vm-running');
});

uiTest('Update now is a task; Unsubscribe keeps the templates and names them', async () => {
  const screen = await CatalogsPage.open(app.page);
  await screen.updateNow();
  await new TaskPane(app.page).waitForStatus(`Update ${SUBSCRIPTION}`, 'succeeded');
  await screen.waitForImageState(SUBSCRIPTION, TITLE, 'enabled');

  await screen.unsubscribe(SUBSCRIPTION);
  await app.page
    .getByText(`Unsubscribed from ${SUBSCRIPTION}; its templates are kept: ${IMAGE}.`)
    .waitFor();
  await app.page.getByText('No subscriptions yet').waitFor();
  await app.screenshot('catalogs-06-unsubscribed');
  const templates = await TemplatesPage.open(app.page);
  await templates.row(IMAGE).waitFor();
});
