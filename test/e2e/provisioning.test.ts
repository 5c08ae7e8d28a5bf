// Provisioning from the image store in the UI, end to end: Chromium on browser mode's real server,
// the test bed's sshd and libvirtd. The tiny appliance dragged onto the bed's host provisions a
// running VM that shows in the tree and the grid; the keyboard way through "Provision…"; a bad
// value refused at its field with no task; an appliance for another hypervisor refused by the
// host it is dropped on. Screens are saved to test-results/screenshots/provision-*.png.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import type { SshConnection } from '../../app/main/ssh/ssh-connection.js';
import { testbedConvirtConf } from '../support/convirt-conf.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { removeVm } from '../support/tiny-vm.js';
import { testbedHostForm } from './pages/add-host-dialog.js';
import { AppShell } from './pages/app-shell.js';
import { FleetTree } from './pages/fleet-tree.js';
import { HostPage } from './pages/host-page.js';
import { ImageStorePage } from './pages/image-store-page.js';
import { ProvisionDialog } from './pages/provision-dialog.js';
import { TaskPane } from './pages/task-pane.js';
import { uiTestFor } from './support/ui-test.js';
import { startE2eApp, type E2eApp } from './support/e2e-app.js';

const bed = testbed();
const HOST = 'testbed';
const dragged = `${bed.prefix}prov-drag`;
const keyed = `${bed.prefix}prov-keys`;
const refused = `${bed.prefix}prov-bad`;
const imageCache = `${bed.imagesDir}/${bed.prefix}ui-image-cache`;
// Linux interface names have at most 15 characters; the bed host has no bridge of its own.
const bridge = `cvui${process.pid % 100000}`;

let ssh: SshConnection;
let virsh: KvmDriver;
let app: E2eApp;

const uiTest = uiTestFor(() => app);

before(async () => {
  ssh = await connectToTestbed(bed);
  virsh = new KvmDriver(ssh);
  spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  spawnSync('ip', ['link', 'set', bridge, 'up']);
  app = await startE2eApp({
    provisioningPaths: { imageCache },
    configFile: testbedConvirtConf(bed, join(bed.runDir, 'e2e-provision-conf')),
  });
  app.page.setDefaultTimeout(30_000);
});

after(async () => {
  try {
    await app?.close();
    for (const vm of [dragged, keyed, refused]) await removeVm(virsh, vm);
    // The VMs' disks, and the images this run cached on the host.
    const files = (await ssh.run(['ls', '-A', bed.imagesDir]))
      .split('\n')
      .filter((f) => [dragged, keyed, refused].some((vm) => f.startsWith(`${vm}-`)));
    await ssh.run(['rm', '-rf', imageCache, ...files.map((f) => `${bed.imagesDir}/${f}`)]);
  } finally {
    ssh?.close();
    spawnSync('ip', ['link', 'del', bridge]);
  }
});

uiTest('add the test bed host', async () => {
  const dialog = await new AppShell(app.page).openAddHost();
  await dialog.addTrusted(testbedHostForm(bed, HOST), bed.sshd.hostKeyFingerprint);
  await dialog.showHost();
  await new HostPage(app.page, HOST).heading.waitFor();
});

uiTest('the image store lists the appliances with description, OS and size', async () => {
  const store = new ImageStorePage(app.page);
  await store.open();
  const tiny = store.appliance('Tiny Linux');
  await tiny.waitFor();
  const text = (await tiny.textContent()) ?? '';
  assert.match(text, /Linux \(busybox\)/);
  assert.match(text, /A busybox Linux that boots in a few seconds/);
  assert.match(text, /\d+(\.\d)? MB/);
  assert.equal(await tiny.getAttribute('draggable'), 'true');
  await app.screenshot('provision-01-image-store');
});

uiTest('a Xen appliance dropped on the KVM host is refused, saying why', async () => {
  const store = new ImageStorePage(app.page);
  const tree = new FleetTree(app.page);
  await store.dragOnto('Tiny Linux for Xen', tree.host(HOST));
  await app.page
    .getByRole('status')
    .filter({ hasText: `provisions Xen hosts only; ${HOST} is a KVM host` })
    .waitFor();
  assert.equal(await new ProvisionDialog(app.page).dialog.count(), 0, 'no dialog opened');
  await app.screenshot('provision-02-drop-refused');
});

uiTest('drag the tiny appliance onto the host: the VM is provisioned and runs', async () => {
  const store = new ImageStorePage(app.page);
  const tree = new FleetTree(app.page);
  await store.dragOnto('Tiny Linux', tree.host(HOST));
  const dialog = new ProvisionDialog(app.page);
  await dialog.dialog.waitFor();
  assert.equal(await dialog.host.inputValue(), HOST, 'the host it was dropped on');
  assert.equal(await dialog.field('Memory (MiB)').inputValue(), '128', 'defaults filled in');
  assert.equal(await dialog.field('Host name').inputValue(), 'tiny');
  await dialog.fill({ 'VM name': dragged, 'Host name': `ui-${process.pid}`, Bridge: bridge });
  await app.screenshot('provision-03-dialog');
  await dialog.submit();
  await dialog.dialog.waitFor({ state: 'detached' });
  const tasks = new TaskPane(app.page);
  await tasks.task(`Provision ${HOST}/${dragged}`).waitFor();
  await app.screenshot('provision-04-task-running');
  await tasks.waitForStatus(`Provision ${HOST}/${dragged}`, 'succeeded', 180_000);
  await tree.expandHost(HOST);
  await tree.waitForVmState(dragged, 'running', 30_000);
  await tree.openHost(HOST);
  const host = new HostPage(app.page, HOST);
  await host.waitForVmState(dragged, 'running', 30_000);
  assert.equal(await virsh.state(dragged), 'running');
  await app.screenshot('provision-05-vm-running');
});

uiTest('a bad value is refused at its field and starts no task', async () => {
  await new FleetTree(app.page).openHost(HOST);
  await app.page.getByRole('button', { name: 'Provision…' }).click();
  const dialog = new ProvisionDialog(app.page);
  await dialog.dialog.waitFor();
  assert.equal(await dialog.host.inputValue(), HOST);
  await dialog.fill({ 'VM name': refused, 'Memory (MiB)': 'lots', 'Host name': 'bad_name' });
  assert.equal(
    await dialog.error('Memory (MiB)'),
    'expected a whole number from 16 to 1048576, got "lots"',
  );
  assert.match((await dialog.error('Host name')) ?? '', /invalid host name "bad_name"/);
  await dialog.submit();
  await dialog.dialog.getByRole('alert').filter({ hasText: 'nothing was started' }).waitFor();
  await app.screenshot('provision-06-inline-errors');
  await dialog.cancel();
  assert.equal(await new TaskPane(app.page).task(`Provision ${HOST}/${refused}`).count(), 0);
  assert.equal(await virsh.exists(refused), false);
});

uiTest('the keyboard way: Provision… in the image store, typed and submitted', async () => {
  const store = new ImageStorePage(app.page);
  await store.open();
  const dialog = await store.provisionWithKeyboard('Tiny Linux');
  // The VM name field has the focus; type it, Tab to the options, then submit with Enter.
  await app.page.keyboard.type(keyed);
  await dialog.field('Host name').focus();
  await app.page.keyboard.press('ControlOrMeta+a');
  await app.page.keyboard.type(`keys-${process.pid}`);
  await dialog.field('Bridge').focus();
  await app.page.keyboard.type(bridge);
  // Define it only: the start checkbox, toggled with Space.
  await dialog.dialog.getByRole('checkbox', { name: 'Start the VM once it is defined' }).focus();
  await app.page.keyboard.press('Space');
  await dialog.field('Bridge').focus();
  await app.page.keyboard.press('Enter');
  await dialog.dialog.waitFor({ state: 'detached' });
  await new TaskPane(app.page).waitForStatus(`Provision ${HOST}/${keyed}`, 'succeeded', 180_000);
  const tree = new FleetTree(app.page);
  await tree.expandHost(HOST);
  await tree.waitForVmState(keyed, 'shutoff', 30_000);
  assert.equal(await virsh.state(keyed), 'shutoff');
  await app.screenshot('provision-07-keyboard-defined');
  assert.deepEqual(app.pageErrors, []);
});
