// The Debian cloud image provisioned from the UI, end to end: Chromium on browser mode's real
// server, the test bed's sshd and libvirtd, the shipped debian-genericcloud appliance's URL pointed
// at the bed's nginx by a mirror (test/support/cloud-image.ts). The image store says the image is
// not on the host; the appliance dragged onto the host opens the dialog with cloud-init's fields
// (a bad user-data refused at its field); the guest agent then reports the host name typed there
// in the VM's view, and the image store says the image is in the host's cache. An ISO uploaded
// from the image store is picked in the dialog for install-from-iso. Prints the time from the drop
// to the guest agent's answer. Screens go to test-results/screenshots/cloud-*.png.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import type { SshConnection } from '../../app/main/ssh/ssh-connection.js';
import { publishCloudImage } from '../support/cloud-image.js';
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
import { VmPage } from './pages/vm-page.js';
import { startE2eApp, type E2eApp } from './support/e2e-app.js';
import { uiTestFor } from './support/ui-test.js';

const bed = testbed();
const HOST = 'testbed';
const CLOUD = 'Debian 12 cloud image';
const cloudVm = `${bed.prefix}ui-cloud`;
const isoVm = `${bed.prefix}ui-iso`;
const hostname = `uicloud-${process.pid}`;
const imageCache = `${bed.imagesDir}/${bed.prefix}ui-cloud-cache`;
const isoDir = `${bed.imagesDir}/${bed.prefix}ui-iso-dir`;
const bridge = `cvuc${process.pid % 100000}`;
const subnet = `10.252.${process.pid % 250}`;
const keyFile = join(bed.runDir, 'ui-cloud-key');
const isoFile = join(bed.runDir, 'ui-installer.iso');

let ssh: SshConnection;
let virsh: KvmDriver;
let app: E2eApp;
let droppedAt = 0;

const uiTest = uiTestFor(() => app, 'cloud-');

before(async () => {
  ssh = await connectToTestbed(bed);
  virsh = new KvmDriver(ssh);
  spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  spawnSync('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
  spawnSync('ip', ['link', 'set', bridge, 'up']);
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
  const isoTree = join(bed.runDir, 'ui-iso-tree');
  mkdirSync(isoTree, { recursive: true });
  writeFileSync(join(isoTree, 'README'), 'not an installer: an ISO 9660 image to pick\n');
  const made = spawnSync('genisoimage', ['-quiet', '-V', 'CVTEST', '-o', isoFile, isoTree]);
  assert.equal(made.status, 0, made.stderr.toString());
  app = await startE2eApp({
    provisioningPaths: { imageCache },
    configFile: testbedConvirtConf(bed, join(bed.runDir, 'e2e-cloud-conf')),
  });
  publishCloudImage(bed, app.dataDir);
  // The host's ISO folder: the test's own, not the host's default.
  writeFileSync(
    join(app.dataDir, 'iso-settings.json'),
    JSON.stringify({ [HOST]: { dir: isoDir, quotaMiB: 64 } }),
  );
  app.page.setDefaultTimeout(30_000);
});

after(async () => {
  try {
    await app?.close();
    for (const vm of [cloudVm, isoVm]) await removeVm(virsh, vm);
    const files = (await ssh.run(['ls', '-A', bed.imagesDir]))
      .split('\n')
      .filter((f) => [cloudVm, isoVm].some((vm) => f.startsWith(`${vm}-`)));
    await ssh.run(['rm', '-rf', imageCache, isoDir, ...files.map((f) => `${bed.imagesDir}/${f}`)]);
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

uiTest('the image store says the cloud image is not on the host yet', async () => {
  const store = new ImageStorePage(app.page);
  await store.open();
  assert.equal(await store.host.inputValue(), HOST);
  await store
    .imageStatus(CLOUD)
    .filter({ hasText: /not in its cache/ })
    .waitFor();
  assert.equal(
    await store
      .appliance(CLOUD)
      .getByRole('button', { name: `Fetch to ${HOST}` })
      .count(),
    1,
  );
  await store.appliance(CLOUD).scrollIntoViewIfNeeded();
  await app.screenshot('cloud-01-image-not-on-host');
});

uiTest('drag the cloud appliance onto the host: cloud-init fields, checked', async () => {
  const store = new ImageStorePage(app.page);
  await store.dragOnto(CLOUD, new FleetTree(app.page).host(HOST));
  droppedAt = Date.now();
  const dialog = new ProvisionDialog(app.page);
  await dialog.dialog.waitFor();
  await dialog.cloudInit.waitFor();
  const publicKey = spawnSync('cat', [`${keyFile}.pub`])
    .stdout.toString()
    .trim();
  await dialog.fill({
    'VM name': cloudVm,
    Bridge: bridge,
    'Guest host name': hostname,
    'User name': 'cvadmin',
    'SSH public keys': publicKey,
  });
  await dialog.network('Static address');
  await dialog.fill({ 'IPv4 address/prefix': `${subnet}.20/24`, Gateway: `${subnet}.1` });
  // user-data is checked by the shared validation as it is typed.
  await dialog.fill({ 'User-data (#cloud-config)': 'packages: [htop]' });
  assert.match(
    (await dialog.error('User-data (#cloud-config)')) ?? '',
    /must start with a #cloud-config line/,
  );
  await dialog.fill({
    'User-data (#cloud-config)': '#cloud-config\nfinal_message: seeded by ConVirt\n',
  });
  assert.equal(await dialog.error('User-data (#cloud-config)'), null);
  await dialog.password.fill('not kept anywhere');
  await app.screenshot('cloud-02-dialog-cloud-init');
  await dialog.cloudInit.scrollIntoViewIfNeeded();
  await app.screenshot('cloud-03-dialog-cloud-init-fields');
});

uiTest('provisioned: the guest agent reports the host name cloud-init set', async () => {
  const dialog = new ProvisionDialog(app.page);
  await dialog.submit();
  await dialog.dialog.waitFor({ state: 'detached' });
  const tasks = new TaskPane(app.page);
  const title = `Provision ${HOST}/${cloudVm}`;
  await tasks.waitForStatus(title, 'succeeded', 900_000);
  const provisioned = (Date.now() - droppedAt) / 1000;
  const log = await tasks.readLog(title, 'Fetched and verified');
  assert.doesNotMatch(log, /not kept anywhere/, 'the password is not in the log');
  const tree = new FleetTree(app.page);
  await tree.expandHost(HOST);
  await tree.openVm(cloudVm);
  const vm = new VmPage(app.page, cloudVm);
  await vm.heading.waitFor();
  await vm.guestAgentSection.getByText(hostname, { exact: true }).waitFor({ timeout: 1_200_000 });
  const agent = (Date.now() - droppedAt) / 1000;
  const reported = (await virsh.agentCommand(cloudVm, 'guest-get-host-name')) as {
    'host-name': string;
  };
  assert.equal(reported['host-name'], hostname);
  await app.screenshot('cloud-04-guest-agent-hostname');
  console.log(
    `cloud image from the UI: provisioned ${provisioned.toFixed(1)} s after the drop, the VM view showed the guest agent's host name ${agent.toFixed(1)} s after the drop`,
  );
});

uiTest('the image store now says the image is in the host cache', async () => {
  const store = new ImageStorePage(app.page);
  await store.open();
  await store
    .imageStatus(CLOUD)
    .filter({ hasText: /in its image cache/ })
    .waitFor();
  assert.equal(
    await store
      .appliance(CLOUD)
      .getByRole('button', { name: `Fetch to ${HOST}` })
      .count(),
    0,
  );
  await store.appliance(CLOUD).scrollIntoViewIfNeeded();
  await app.screenshot('cloud-05-image-on-host');
});

uiTest('an ISO uploaded in the image store is picked in the dialog', async () => {
  const store = new ImageStorePage(app.page);
  await store.isoSection(HOST).scrollIntoViewIfNeeded();
  await store.uploadIso(HOST, isoFile);
  await store.uploadedIso(HOST, 'ui-installer.iso').waitFor({ timeout: 120_000 });
  assert.match((await store.isoQuota(HOST).getAttribute('aria-valuetext')) ?? '', /of 64 MiB used/);
  await app.screenshot('cloud-06-iso-uploaded');
  const dialog = await store.provisionWithKeyboard('Install from ISO');
  await dialog.fill({ 'VM name': isoVm, Bridge: bridge, 'Disk vda size (MiB)': '64' });
  await dialog.iso.selectOption(`${isoDir}/ui-installer.iso`);
  await dialog.startAfter.uncheck();
  await app.screenshot('cloud-07-dialog-iso-choice');
  await dialog.submit();
  await dialog.dialog.waitFor({ state: 'detached' });
  await new TaskPane(app.page).waitForStatus(`Provision ${HOST}/${isoVm}`, 'succeeded', 180_000);
  const details = await virsh.vmDetails(isoVm);
  assert.equal(details.isoPath, `${isoDir}/ui-installer.iso`, "the ISO in the VM's CD-ROM drive");
});
