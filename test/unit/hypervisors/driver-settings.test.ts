// convirt.conf's xenconf_dir and default bridges, as the drivers and provisioning follow them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Host } from '../../../app/shared/domain/inventory.js';
import {
  driverFor,
  driverKind,
  type DriverSettings,
} from '../../../app/main/hypervisors/drivers.js';
import type { HostSurvey } from '../../../app/main/provisioning/host-survey.js';
import { ProvisionRun } from '../../../app/main/provisioning/provision-run.js';
import type { RemoteShell } from '../../../app/main/ssh/ssh-connection.js';
import type { TaskContext } from '../../../app/main/tasks/task-runner.js';

/** Records every argv; `xl create -n` (the dry run) answers with a config of no disks. */
function recordingShell() {
  const ran: string[][] = [];
  const shell = {
    run: (argv: string[]) => {
      ran.push(argv);
      return Promise.resolve(argv.includes('-n') ? '{}' : '');
    },
    exec: (argv: string[]) => {
      ran.push(argv);
      return Promise.resolve({ code: 0, stdout: '', stderr: '' });
    },
  } as unknown as RemoteShell;
  return { ran, shell };
}

const SETTINGS: DriverSettings = {
  xenconfDir: '/srv/convirt/xen-configs',
  defaultBridge: { kvm: 'lan0', xen: 'xenlan0' },
};

test('xenconf_dir: a new Xen VM is written, checked and started from the configured folder', async () => {
  const { ran, shell } = recordingShell();
  const xen = driverFor({ hypervisor: 'xen', useSudo: false }, shell, SETTINGS);
  const steps = { cleanupShell: shell, undo: () => undefined, log: () => undefined };
  await xen.defineNew('vm1', 'name = "vm1"\n', steps);
  await xen.start('vm1');
  const path = '/srv/convirt/xen-configs/vm1.cfg';
  assert.deepEqual(ran, [
    ['sh', '-c', 'set -C; cat > "$1"', 'sh', path],
    ['xl', 'create', '-n', '-q', path],
    ['xl', 'create', path],
  ]);
  assert.ok(!ran.flat().some((arg) => arg.includes('/etc/xen')));
});

test('xenconf_dir unset: /etc/xen, as xl itself', async () => {
  const { ran, shell } = recordingShell();
  await driverFor({ hypervisor: 'xen', useSudo: false }, shell).start('vm1');
  assert.deepEqual(ran, [['xl', 'create', '/etc/xen/vm1.cfg']]);
});

test('default_bridge_kvm / default_bridge_xen: each driver prefers its own, else the built-in one', () => {
  const { shell } = recordingShell();
  const bridge = (hypervisor: 'kvm' | 'xen', settings?: DriverSettings) =>
    driverFor({ hypervisor, useSudo: false }, shell, settings).provisioning.preferredBridge;
  assert.equal(bridge('kvm', SETTINGS), 'lan0');
  assert.equal(bridge('xen', SETTINGS), 'xenlan0');
  assert.equal(bridge('kvm'), driverKind('kvm').provisioning.preferredBridge);
  assert.equal(bridge('xen'), driverKind('xen').provisioning.preferredBridge);
});

/** A provisioning run reduced to its host checks. */
class SurveyCheck extends ProvisionRun {
  async bridgeFor(
    settings: DriverSettings | undefined,
    bridges: string[],
    asked?: string,
  ): Promise<string> {
    await this.attach(() => Promise.resolve(recordingShell().shell), settings);
    const survey: HostSurvey = { bridges, virtType: 'kvm', free: new Map(), existing: new Map() };
    return this.checkSurvey(survey, false, [], asked);
  }
}

function surveyCheck(hypervisor: 'kvm' | 'xen'): SurveyCheck {
  const ctx = {
    record: (shell: RemoteShell) => shell,
    log: () => undefined,
  } as unknown as TaskContext;
  const host = { name: 'h1', hypervisor, useSudo: false } as Host;
  return new SurveyCheck(ctx, host, 'vm1');
}

test("provisioning joins the configured bridge when the host has it, else the host's first", async () => {
  const kvm = surveyCheck('kvm');
  assert.equal(await kvm.bridgeFor(SETTINGS, ['br0', 'lan0']), 'lan0');
  assert.equal(await kvm.bridgeFor(undefined, ['lan0', 'br0']), 'br0');
  assert.equal(await kvm.bridgeFor(SETTINGS, ['virbr0', 'br0']), 'virbr0');
  assert.equal(await kvm.bridgeFor(SETTINGS, ['br0', 'lan0'], 'br0'), 'br0');
  const xen = surveyCheck('xen');
  assert.equal(await xen.bridgeFor(SETTINGS, ['xenbr0', 'xenlan0']), 'xenlan0');
});
