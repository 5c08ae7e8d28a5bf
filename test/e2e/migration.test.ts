// Migration in the UI, end to end: Chromium on browser mode's real server and the test bed's two
// KVM hosts (the machine's libvirtd, and the second host in its own namespaces). Both hosts added
// in the UI; a running tiny VM on the first, its serial console open, dragged in the fleet tree
// onto the second: the Migrate dialog shows every check passing, refuses to copy disks that both
// hosts share, migrates live; the VM shows under the second host and no longer under the first,
// and its view and console follow it there. Evacuating the second host is refused (the first is
// reached at a loopback address), with the reason in the dialog.
// Screens are saved to test-results/screenshots/migration-*.png.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import type { SshConnection } from '../../app/main/ssh/ssh-connection.js';
import type { SecondKvmHostInfo } from '../bed/second-kvm-host.js';
import { connectToSecondKvmHost, connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm, removeVm } from '../support/tiny-vm.js';
import { testbedHostForm, type HostFormInput } from './pages/add-host-dialog.js';
import { AppShell } from './pages/app-shell.js';
import { FleetTree } from './pages/fleet-tree.js';
import { HostPage } from './pages/host-page.js';
import { MigrateDialog } from './pages/migrate-dialog.js';
import { TaskPane } from './pages/task-pane.js';
import { VmPage } from './pages/vm-page.js';
import { uiTestFor } from './support/ui-test.js';
import { startE2eApp, type E2eApp } from './support/e2e-app.js';

const bed = testbed();
const A = 'testbed';
const B = 'second';
const vm = `${bed.prefix}ui-mig`;

function secondHost(): SecondKvmHostInfo {
  const second = bed.secondKvmHost;
  if ('unavailable' in second) throw new Error(`No second KVM host: ${second.unavailable}`);
  return second;
}

let a: SshConnection;
let b: SshConnection;
let virshA: KvmDriver;
let virshB: KvmDriver;
let app: E2eApp;

const uiTest = uiTestFor(() => app, 'migration-');

before(async () => {
  const second = secondHost();
  a = await connectToTestbed(bed);
  b = await connectToSecondKvmHost(second);
  virshA = new KvmDriver(a);
  virshB = new KvmDriver(b);
  // Its disk in the folder both hosts see: shared storage, so only its memory moves.
  await defineTinyVm(a, { ...bed, imagesDir: second.sharedDir }, vm);
  await virshA.start(vm);
  app = await startE2eApp();
  app.page.setDefaultTimeout(30_000);
});

after(async () => {
  try {
    await app?.close();
    await removeVm(virshA, vm).catch(() => undefined);
    await removeVm(virshB, vm).catch(() => undefined);
  } finally {
    a?.close();
    b?.close();
  }
});

uiTest('add both hosts', async () => {
  const second = secondHost();
  const shell = new AppShell(app.page);
  const hosts: Array<[HostFormInput, string]> = [
    [testbedHostForm(bed, A), bed.sshd.hostKeyFingerprint],
    [
      {
        address: second.address,
        port: second.port,
        name: B,
        user: second.username,
        keyFile: second.clientKeyPath,
      },
      second.hostKeyFingerprint,
    ],
  ];
  for (const [form, fingerprint] of hosts) {
    const dialog = await shell.openAddHost();
    await dialog.addTrusted(form, fingerprint);
    await dialog.close();
  }
  const tree = new FleetTree(app.page);
  await tree.host(A).waitFor();
  await tree.host(B).waitFor();
});

uiTest('drag the running VM onto the other host: the checks pass, it migrates live', async () => {
  const tree = new FleetTree(app.page);
  await tree.expandHost(A);
  await tree.waitForVmState(vm, 'running');

  // Its view, with a serial console open: both follow the VM to its new host.
  await tree.openVm(vm);
  const page = new VmPage(app.page, vm);
  await page.heading.waitFor();
  await page.openConsole(A, 'Serial');

  await tree.dragVmOnto(vm, B);
  const dialog = new MigrateDialog(app.page, `${A}/${vm}`);
  await dialog.dialog.waitFor();
  assert.equal(await dialog.target.inputValue(), B);
  assert.match(await dialog.waitForChecks(), /^All \d+ checks pass\.$/);
  for (const check of ['hypervisor', 'name', 'state', 'memory', 'storage', 'reach'])
    await dialog.check(check, 'passed').waitFor();
  assert.equal(await dialog.dialog.getByRole('radio', { name: /^Live/ }).isChecked(), true);
  assert.equal(await dialog.dialog.getByRole('radio', { name: /^Offline/ }).isDisabled(), true);
  assert.equal(
    await dialog.dialog.getByRole('radio', { name: /^Shared storage/ }).isChecked(),
    true,
  );
  await app.screenshot('migration-01-checks-pass');

  // Disks both hosts see cannot be copied onto themselves: refused, Migrate disabled.
  await dialog.chooseStorage('copy');
  assert.match(await dialog.waitForChecks(), /checks fail: the migration is refused/);
  await dialog.check('storage', 'failed').waitFor();
  assert.equal(await dialog.migrateButton.isDisabled(), true);
  await app.screenshot('migration-02-check-refused');

  await dialog.chooseStorage('shared');
  assert.match(await dialog.waitForChecks(), /^All \d+ checks pass\.$/);
  await dialog.migrate();

  const tasks = new TaskPane(app.page);
  await tasks.waitForStatus(`Migrate ${A}/${vm}`, 'succeeded', 180_000);
  assert.match(
    await tasks.readLog(`Migrate ${A}/${vm}`, 'migrated in'),
    /migrated in \d+ ms, downtime \d+ ms/,
  );
  assert.equal(await virshB.state(vm), 'running');
  assert.equal(await virshA.exists(vm), false);

  // The tree shows it under the second host only; its view and console are there now.
  await tree.expandHost(B);
  await waitFor(async () => (await tree.vmsUnder(B)).includes(vm));
  assert.equal((await tree.vmsUnder(A)).includes(vm), false);
  await app.page.getByText(`on ${B}`, { exact: true }).waitFor();
  await app.page
    .getByRole('region', { name: `Serial console of ${B}/${vm}` })
    .getByRole('status')
    .getByText(/Connected/)
    .waitFor({ timeout: 60_000 });
  await app.screenshot('migration-03-arrived');
});

// The bed's first host is added at 127.0.0.1 (its sshd listens there only), which from the second
// host is the second host itself: every move to it fails the `reach` check, and an evacuation
// (which cannot be given the target's address as the source sees it) is refused before anything
// moves. The dialog shows why.
uiTest('evacuating the second host is refused with the failed check, nothing moves', async () => {
  const host = new HostPage(app.page, B);
  await new FleetTree(app.page).openHost(B);
  await host.heading.waitFor();
  const dialog = await host.openEvacuate();
  await dialog.getByRole('list', { name: 'VMs that move' }).getByText(vm).waitFor();
  await dialog.getByRole('button', { name: 'Evacuate', exact: true }).click();
  const refusal = dialog.getByRole('alert');
  await refusal.waitFor({ timeout: 60_000 });
  assert.match((await refusal.textContent()) ?? '', /refused[\s\S]*reach: /);
  await app.screenshot('migration-04-evacuate-refused');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await virshB.state(vm), 'running');
  assert.equal(await virshA.exists(vm), false);
});

/** Polls `ready` until it holds (the tree follows the fleet's polls). */
async function waitFor(ready: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 500));
  }
}
