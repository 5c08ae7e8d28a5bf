// The operator's day, end to end: Chromium on browser mode's real server, the real sshd, libvirtd
// and tiny VMs of the test bed. Add the bed's host (confirming its key), see the tiny VM running
// in tree and grid, save it to a file and restore it, shut it down and watch the state change,
// bulk-start three VMs, read a task's log. Every main screen is saved to
// test-results/screenshots/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import type { SshConnection } from '../../app/main/ssh/ssh-connection.js';
import type { WebSocket } from 'playwright-core';
import { writeConvirtConf } from '../support/convirt-conf.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm, removeVm } from '../support/tiny-vm.js';
import { type AddHostDialog, testbedHostForm } from './pages/add-host-dialog.js';
import { AppShell } from './pages/app-shell.js';
import { DashboardPage } from './pages/dashboard-page.js';
import { FleetTree } from './pages/fleet-tree.js';
import { HostPage } from './pages/host-page.js';
import { SecretPrompt } from './pages/secret-prompt.js';
import { TaskPane } from './pages/task-pane.js';
import { VmPage } from './pages/vm-page.js';
import { uiTestFor } from './support/ui-test.js';
import { startE2eApp, type E2eApp } from './support/e2e-app.js';
import { filesHolding } from '../support/data-folder.js';

const bed = testbed();
const HOST = 'testbed';
const vms = [1, 2, 3].map((n) => `${bed.prefix}e2e-${n}`);
const [first] = vms as [string, ...string[]];
const snapshotsDir = join(bed.runDir, 'e2e-saved');

let ssh: SshConnection;
let virsh: KvmDriver;
let app: E2eApp;
const disks: string[] = [];

const uiTest = uiTestFor(() => app);

before(async () => {
  ssh = await connectToTestbed(bed);
  virsh = new KvmDriver(ssh);
  for (const [i, vm] of vms.entries()) {
    disks.push(await defineTinyVm(ssh, bed, vm, `e2e${i + 1}`, { graphics: i === 0 }));
  }
  await virsh.start(first);
  app = await startE2eApp({
    configFile: writeConvirtConf(join(bed.runDir, 'e2e-fleet-conf'), {
      snapshots_dir: snapshotsDir,
    }),
  });
  app.page.setDefaultTimeout(30_000);
});

after(async () => {
  try {
    await app?.close();
    for (const vm of vms) {
      if (!(await virsh.exists(vm))) continue;
      if ((await virsh.state(vm)) !== 'shutoff') await virsh.destroy(vm);
      await ssh.run(['virsh', '-q', 'undefine', vm, '--snapshots-metadata']);
    }
    if (disks.length) await ssh.run(['rm', '-f', ...disks]);
    await ssh.run(['rm', '-rf', '--', snapshotsDir]);
  } finally {
    ssh?.close();
  }
});

uiTest('an empty fleet offers to add a host', async () => {
  const dashboard = new DashboardPage(app.page);
  await dashboard.heading.waitFor();
  await app.page.getByRole('status').filter({ hasText: 'No hosts yet' }).waitFor();
  await app.screenshot('01-empty-dashboard');
});

uiTest('a changed host key blocks the connection, naming both fingerprints', async () => {
  // ConVirt's store holds another key for the bed's address: the key offered has changed.
  const other = join(app.dataDir, 'other_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
  const otherKey = readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  const otherFingerprint = execFileSync('ssh-keygen', ['-l', '-f', `${other}.pub`], {
    encoding: 'utf8',
  }).split(' ')[1]!;
  const knownHosts = join(app.dataDir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${bed.sshd.port} ${otherKey}\n`);
  try {
    const dialog = await new AppShell(app.page).openAddHost();
    await dialog.fill(testbedHostForm(bed, HOST));
    await dialog.submit();
    await dialog.keyChanged.waitFor();
    const warning = (await dialog.keyChanged.getByRole('alert').textContent()) ?? '';
    assert.ok(warning.includes(otherFingerprint), warning);
    assert.ok(warning.includes(bed.sshd.hostKeyFingerprint), warning);
    assert.equal(
      await dialog.keyChanged.getByRole('button', { name: /trust/i }).count(),
      0,
      'no way to accept a changed key here',
    );
    await app.screenshot('02-host-key-changed');
    await dialog.keyChanged.getByRole('button', { name: 'Close' }).click();
    await dialog.keyChanged.waitFor({ state: 'detached' });
  } finally {
    rmSync(knownHosts);
    rmSync(other);
    rmSync(`${other}.pub`);
  }
});

uiTest('add the test bed host, confirming its SHA256 fingerprint', async () => {
  const dialog: AddHostDialog = await new AppShell(app.page).openAddHost();
  await dialog.fill({ ...testbedHostForm(bed, HOST), pool: 'Lab/Rack 1' });
  await app.screenshot('03-add-host-form');
  await dialog.submit();
  assert.equal(await dialog.shownFingerprint(), bed.sshd.hostKeyFingerprint);
  await app.screenshot('04-confirm-host-key');
  await dialog.trustKey();
  assert.match(await dialog.result(), /Added testbed\. Hypervisor detected: KVM/);
  await app.screenshot('05-host-added');
  await dialog.showHost();
});

uiTest('the tiny VM shows as running in the tree and in the host grid', async () => {
  const host = new HostPage(app.page, HOST);
  await host.heading.waitFor();
  await host.waitForVmState(first, 'running');
  const tree = new FleetTree(app.page);
  await tree.pool('Rack 1').waitFor();
  await tree.expandHost(HOST);
  await tree.waitForVmState(first, 'running');
  await host.filter(`${bed.prefix}e2e-`);
  await app.page.getByRole('region', { name: 'Storage pools' }).waitFor();
  await app.screenshot('06-host-view');
  const dashboard = await new AppShell(app.page).openDashboard();
  await dashboard.hostCpuMeter(HOST).waitFor();
  assert.equal(await dashboard.tileValue('Hosts up'), 1);
  assert.ok((await dashboard.tileValue('VMs running')) >= 1);
  await app.screenshot('07-dashboard');
});

uiTest('save the tiny VM to a file and restore it from its view', async () => {
  const tree = new FleetTree(app.page);
  await tree.openVm(first);
  const vm = new VmPage(app.page, first);
  await vm.heading.waitFor();
  const restore = vm.actions.getByRole('button', { name: 'Restore from file' });
  assert.equal(await restore.isEnabled(), false, 'nothing to restore yet');
  await vm.action('Save to file');
  const tasks = new TaskPane(app.page);
  await tasks.waitForStatus(`Save ${HOST}/${first}`, 'succeeded');
  await tree.waitForVmState(first, 'shutoff');
  // Enabled once the VM's details name its file.
  await vm.actions
    .locator(`button:not([disabled])[title="Restores from ${snapshotsDir}/${first}.save"]`)
    .waitFor();
  await app.screenshot('08a-vm-saved');
  await vm.action('Restore from file');
  await tasks.waitForStatus(`Restore ${HOST}/${first}`, 'succeeded');
  await tree.waitForVmState(first, 'running');
  assert.equal((await ssh.exec(['test', '-e', `${snapshotsDir}/${first}.save`])).code, 1);
});

uiTest('shut the tiny VM down from its view and watch the state change', async () => {
  const tree = new FleetTree(app.page);
  await tree.openVm(first);
  const vm = new VmPage(app.page, first);
  await vm.heading.waitFor();
  await vm.guestAgentSection.getByText('10.0.2.15/24').waitFor({ timeout: 60_000 });
  await app.screenshot('08-vm-overview');
  // A page opened now shows the VM's past: main kept its history from the polls before.
  const opened = Date.now();
  // What the page asks for, and the polls of the host it hears of, from the reload on.
  const seen = { historyCalls: 0, polls: 0 };
  const watch = (socket: WebSocket) => {
    socket.on('framesent', ({ payload }) => {
      if (String(payload).includes('"method":"vmHistory"')) seen.historyCalls++;
    });
    socket.on('framereceived', ({ payload }) => {
      const text = String(payload);
      if (text.includes('"event":"hostPolled"') && text.includes(`"host":${JSON.stringify(HOST)}`))
        seen.polls++;
    });
  };
  const polls = async (count: number) => {
    const until = seen.polls + count;
    while (seen.polls < until) await new Promise((resolve) => setTimeout(resolve, 100));
  };
  app.page.on('websocket', watch);
  await app.page.reload();
  await tree.expandHost(HOST);
  await tree.openVm(first);
  await vm.heading.waitFor();
  // Hidden, the Performance tab fetches nothing, however often the host is polled.
  await polls(2);
  assert.equal(seen.historyCalls, 0, 'no history fetched for a hidden Performance tab');
  await vm.openTab('Performance');
  // Two polls give a CPU rate; the chart then reads "CPU: N % now, K points since …". History is
  // kept a point per 10 s step, so a VM started shortly before may have one point yet: the line
  // needs two, from the history or the polls since.
  const cpu = app.page.getByRole('img', {
    name: /^CPU: .* now, (?:[2-9]|\d{2,}) points since /,
  });
  await cpu.waitFor({ timeout: 30_000 });
  assert.ok(Number(await cpu.getAttribute('data-since')) < opened, 'points from before the page');
  await app.screenshot('09-vm-performance');
  await vm.openTab('Snapshots');
  const fetched = seen.historyCalls;
  await polls(2);
  assert.equal(seen.historyCalls, fetched, 'no more history once the tab is hidden again');
  app.page.off('websocket', watch);
  await app.screenshot('10-vm-snapshots');
  await vm.openTab('Settings');
  await app.screenshot('11-vm-settings');
  await vm.openTab('Overview');
  await vm.action('Shut down');
  await tree.waitForVmState(first, 'shutoff');
  await vm.actions.getByRole('button', { name: 'Start', exact: true }).waitFor();
  assert.equal(
    await vm.actions.getByRole('button', { name: 'Start', exact: true }).isEnabled(),
    true,
  );
  await new TaskPane(app.page).waitForStatus(`Shut down ${HOST}/${first}`, 'succeeded');
});

uiTest('bulk-start three VMs from the grid', async () => {
  await new FleetTree(app.page).openHost(HOST);
  const host = new HostPage(app.page, HOST);
  await host.heading.waitFor();
  await host.filter(`${bed.prefix}e2e-`);
  for (const vm of vms) await host.waitForVmState(vm, 'shutoff');
  await host.select(vms);
  await host.selectionStatus.getByText('3 of 3 selected').waitFor();
  await app.screenshot('12-grid-selection');
  await host.bulk('Start');
  for (const vm of vms) await host.waitForVmState(vm, 'running');
  const tasks = new TaskPane(app.page);
  for (const vm of vms) await tasks.waitForStatus(`Start ${HOST}/${vm}`, 'succeeded');
  await app.screenshot('13-bulk-started');
});

uiTest('serial and graphical consoles of the tiny VM, open at once in tabs', async () => {
  await new FleetTree(app.page).openVm(first);
  const vm = new VmPage(app.page, first);
  await vm.heading.waitFor();
  const serial = await vm.openConsole(HOST, 'Serial');
  await serial.locator('.xterm').click();
  await vm.waitForPrompt(HOST, 'e2e1# ');
  await app.page.keyboard.type('echo convirt-$((6*7))-e2e');
  await app.page.keyboard.press('Enter');
  await vm.waitForConsoleText(HOST, 'convirt-42-e2e');
  await app.screenshot('14-serial-console');
  // While output flows the cursor does not blink (each new blink animation would cost a frame);
  // once the console is quiet again it blinks. A frame of the flood (a number of five digits
  // other than the command's own) must show a still cursor.
  await vm.waitForConsoleCursor(HOST, /convirt-42-e2e/, true);
  await app.page.keyboard.type('seq 1 100000; echo flood-$((2*2))-done');
  await app.page.keyboard.press('Enter');
  await vm.waitForConsoleCursor(HOST, /\b[1-8]\d{4}\b/, false, 120_000);
  await vm.waitForConsoleCursor(HOST, /flood-4-done/, true, 120_000);
  const graphical = await vm.openConsole(HOST, 'Graphical');
  const size = await vm.waitForDrawnDisplay(HOST);
  assert.match(size, /^\d+x\d+$/);
  assert.deepEqual(await vm.consoleTabs.getByRole('tab').allTextContents(), [
    'Serial',
    'Graphical',
  ]);
  assert.equal(await graphical.isVisible(), true);
  await app.screenshot('15-graphical-console');
});

uiTest('the keyboard selects in the grid and walks the tree', async () => {
  await new FleetTree(app.page).openHost(HOST);
  const host = new HostPage(app.page, HOST);
  await host.filter(`${bed.prefix}e2e-`);
  await host.pressInGrid(['Escape']);
  await host.selectionStatus.getByText('0 of 3 selected').waitFor();
  await host.pressInGrid(['Home', 'Shift+End']);
  await host.selectionStatus.getByText('3 of 3 selected').waitFor();
  await host.pressInGrid(['Escape', 'Home', 'Space', 'ArrowDown', 'ArrowDown', 'Space']);
  await host.selectionStatus.getByText('2 of 3 selected').waitFor();
  assert.equal(await host.row(vms[1]!).getAttribute('aria-selected'), 'false');

  const tree = new FleetTree(app.page);
  await tree.tree.getByRole('treeitem', { name: /^Data center, / }).focus();
  await app.page.keyboard.press('ArrowDown');
  await tree.waitForFocus('Lab');
  await app.page.keyboard.press('ArrowLeft'); // Lab is open: closes it
  await tree.tree.getByRole('treeitem', { name: /^Lab, /, expanded: false }).waitFor();
  await app.page.keyboard.press('ArrowRight');
  await tree.host(HOST).waitFor();
  await app.page.keyboard.press('ArrowUp');
  await tree.waitForFocus('Data center');
});

uiTest('move the host between pools with the keyboard and by dragging', async () => {
  const tree = new FleetTree(app.page);
  await tree.createPool('Spare');
  await tree.moveHostWithKeyboard(HOST, 'Spare');
  await tree.tree.getByRole('treeitem', { name: 'Spare, 1 of 1 hosts up' }).waitFor();
  await app.screenshot('16-moved-to-spare');
  await tree.dragHostOnto(HOST, 'Rack 1');
  await tree.tree.getByRole('treeitem', { name: 'Rack 1, 1 of 1 hosts up' }).waitFor();
  await tree.tree.getByRole('treeitem', { name: 'Spare, 0 of 0 hosts up' }).waitFor();
});

uiTest("read a task's full log", async () => {
  const tasks = new TaskPane(app.page);
  const title = `Start ${HOST}/${vms[1]}`;
  const log = await tasks.readLog(title, 'virsh');
  assert.match(log, /virsh/);
  assert.match(log, /start/);
  assert.ok(log.includes(vms[1]!), log);
  await app.screenshot('17-task-log');
});

uiTest('starting a VM that already runs does nothing and succeeds', async () => {
  await new FleetTree(app.page).openHost(HOST);
  const host = new HostPage(app.page, HOST);
  await host.filter(`${bed.prefix}e2e-`);
  await host.waitForVmState(first, 'running');
  const tasks = new TaskPane(app.page);
  const title = `Start ${HOST}/${first}`;
  const starts = tasks.region.getByRole('listitem', { name: new RegExp(`^${title}, `) });
  const before = await starts.count();
  await host.pressInGrid(['Escape']);
  await host.select([first]);
  await host.selectionStatus.getByText('1 of 3 selected').waitFor();
  await host.bulk('Start');
  await starts.nth(before).waitFor(); // the new task (listed first)
  await tasks.waitForStatus(title, 'succeeded');
  assert.match(await tasks.readLog(title, 'nothing to do'), /already running: nothing to do/);
  await host.pressInGrid(['Escape']);
});

uiTest('a failed task raises an alert with its error', async () => {
  // A VM whose disk is gone cannot start: the host's own error must reach the operator.
  const broken = `${bed.prefix}e2e-broken`;
  disks.push(await defineTinyVm(ssh, bed, broken, 'broken'));
  await ssh.run(['rm', '-f', '--', disks.at(-1)!]);
  try {
    await new FleetTree(app.page).openHost(HOST);
    const host = new HostPage(app.page, HOST);
    await host.filter(broken);
    await host.waitForVmState(broken, 'shutoff');
    await host.pressInGrid(['Escape']);
    await host.select([broken]);
    await host.selectionStatus.getByText('1 of 1 selected').waitFor();
    await host.bulk('Start');
    const title = `Start ${HOST}/${broken}`;
    await new TaskPane(app.page).waitForStatus(title, 'failed');
    const alert = new AppShell(app.page).errorNotices.filter({ hasText: title }).first();
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /failed: [\s\S]*No such file/i);
    await app.screenshot('18-failure-alert');
    await alert.getByRole('button', { name: 'Dismiss' }).click();
    await alert.waitFor({ state: 'detached' });
  } finally {
    await removeVm(virsh, broken);
  }
});

uiTest(
  'a passphrase is asked once, remembered encrypted, then forgotten; the host is removed',
  async () => {
    const passphrase = 'e2e passphrase 7Qx!';
    const master = 'e2e master passphrase 9Zk?';
    const key = join(app.dataDir, 'protected_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', key]);
    appendFileSync(join(bed.sshd.dir, 'authorized_keys'), readFileSync(`${key}.pub`));
    const name = 'testbed-key';
    const dialog = await new AppShell(app.page).openAddHost();
    await dialog.fill({
      address: '127.0.0.1',
      port: bed.sshd.port,
      name,
      user: bed.sshd.username,
      keyFile: key,
    });
    await dialog.submit();
    const prompt = new SecretPrompt(app.page);
    await prompt.dialog('Passphrase').waitFor();
    await app.screenshot('19-passphrase-prompt');
    await prompt.answer('Passphrase', passphrase, { remember: true });
    // Remembering it creates the secret store (browser mode: under a master passphrase).
    await prompt.answerNewMasterPassphrase(master);
    await dialog.added.waitFor({ timeout: 60_000 });
    assert.match(await dialog.result(), /Added testbed-key\. Hypervisor detected: KVM/);
    await dialog.showHost();
    const host = new HostPage(app.page, name);
    await host.heading.waitFor();
    // The poller's connection after add-host used the passphrase kept for the session.
    await host.heading.getByText(name).waitFor();
    assert.equal(await prompt.dialog('Passphrase').count(), 0, 'asked once, not again');
    assert.deepEqual(filesHolding(app.dataDir, passphrase, master), [], 'files holding a secret');
    assert.ok(readdirSync(app.dataDir).includes('secrets.vault'));

    await app.page.getByRole('button', { name: 'Remembered secrets…' }).click();
    const remembered = app.page.getByRole('dialog', { name: 'Remembered secrets' });
    await remembered.getByText(`Passphrase of ${key}`).waitFor();
    await app.screenshot('19b-remembered-secrets');
    await remembered.getByRole('button', { name: `Forget Passphrase of ${key}` }).click();
    await remembered.getByText('ConVirt remembers no secret.').waitFor();
    await remembered.getByRole('button', { name: 'Close' }).click();

    await host.remove();
    const tree = new FleetTree(app.page);
    await tree.host(name).waitFor({ state: 'detached' });
    await tree.host(HOST).waitFor();
  },
);

uiTest('the dark theme follows the system', async () => {
  await app.page.emulateMedia({ colorScheme: 'dark' });
  const background = await app.page.evaluate('getComputedStyle(document.body).backgroundColor');
  assert.equal(background, 'rgb(21, 24, 29)');
  await new FleetTree(app.page).openHost(HOST);
  await app.screenshot('20-dark-host-view');
  await new AppShell(app.page).openDashboard();
  await app.screenshot('21-dark-dashboard');
  await app.page.emulateMedia({ colorScheme: 'light' });
});

test('the page broke no CSP rule and threw no uncaught error', (t) => {
  assert.deepEqual(app.pageErrors, []);
  for (const line of app.consoleErrors) t.diagnostic(`console error: ${line}`);
});
