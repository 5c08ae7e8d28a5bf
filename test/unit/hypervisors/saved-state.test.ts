// snapshots_dir: a VM saved to a file and restored, as argument lists for each hypervisor. The
// folder is made private, an existing file is never overwritten, restore removes the file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SNAPSHOTS_DIR } from '../../../app/main/config/defaults.js';
import { driverFor } from '../../../app/main/hypervisors/drivers.js';
import type { RemoteShell } from '../../../app/main/ssh/ssh-connection.js';
import { InvalidInputError } from '../../../app/shared/validation/names.js';

/** Records every argv; `test -f` answers with `fileExists`, the prepare script with `prepared`. */
function recordingShell(options: { fileExists?: boolean; prepared?: string } = {}) {
  const ran: string[][] = [];
  const shell = {
    run: (argv: string[]) => {
      ran.push(argv);
      return Promise.resolve(argv.includes('-c') ? (options.prepared ?? '') : '');
    },
    exec: (argv: string[]) => {
      ran.push(argv);
      const code = argv.includes('test') && options.fileExists ? 0 : 1;
      return Promise.resolve({ code, stdout: '', stderr: '' });
    },
  } as unknown as RemoteShell;
  return { ran, shell };
}

const DIR = '/srv/saved states';

test('KVM: virsh save into snapshots_dir, after making the folder (quoted as one argument)', async () => {
  const { ran, shell } = recordingShell();
  const kvm = driverFor({ hypervisor: 'kvm', useSudo: true }, shell, { snapshotsDir: DIR });
  assert.equal(await kvm.saveState('web'), `${DIR}/web.save`);
  assert.deepEqual(ran[0]!.slice(0, 4), ['sudo', '-n', 'sh', '-c']);
  assert.deepEqual(ran[0]!.slice(-3), ['sh', DIR, `${DIR}/web.save`]);
  assert.match(ran[0]![4]!, /mkdir -p -m 0700 -- "\$1"/);
  assert.deepEqual(ran[1], [
    'sudo',
    '-n',
    'virsh',
    '-q',
    '-c',
    'qemu:///system',
    'save',
    'web',
    `${DIR}/web.save`,
  ]);
  assert.equal(ran.length, 2);
});

test('a file already there is refused before anything is saved', async () => {
  const { ran, shell } = recordingShell({ prepared: 'exists\n' });
  const xen = driverFor({ hypervisor: 'xen', useSudo: false }, shell, { snapshotsDir: DIR });
  await assert.rejects(
    xen.saveState('web'),
    (err: unknown) =>
      err instanceof InvalidInputError && /already has a saved state/.test(err.message),
  );
  assert.equal(ran.length, 1);
});

test('Xen: xl save / xl restore; restore removes the file afterwards', async () => {
  const { ran, shell } = recordingShell({ fileExists: true });
  const xen = driverFor({ hypervisor: 'xen', useSudo: false }, shell, { snapshotsDir: DIR });
  await xen.saveState('web');
  assert.deepEqual(ran.at(-1), ['xl', 'save', 'web', `${DIR}/web.save`]);
  ran.length = 0;
  assert.equal(await xen.restoreState('web'), `${DIR}/web.save`);
  assert.deepEqual(ran, [
    ['test', '-f', `${DIR}/web.save`],
    ['xl', 'restore', `${DIR}/web.save`],
    ['rm', '-f', '--', `${DIR}/web.save`],
  ]);
});

test('restore without a saved file is refused before anything runs', async () => {
  const { ran, shell } = recordingShell({ fileExists: false });
  const kvm = driverFor({ hypervisor: 'kvm', useSudo: false }, shell);
  await assert.rejects(kvm.restoreState('web'), /web has no saved state \(no \/var\/lib\/convirt/);
  assert.deepEqual(ran, [['test', '-f', `${DEFAULT_SNAPSHOTS_DIR}/web.save`]]);
});

test('bad names and folders are refused before any command', async () => {
  const { ran, shell } = recordingShell();
  const kvm = driverFor({ hypervisor: 'kvm', useSudo: false }, shell);
  await assert.rejects(kvm.saveState('a;rm -rf /'), InvalidInputError);
  assert.throws(
    () => driverFor({ hypervisor: 'xen', useSudo: false }, shell, { snapshotsDir: '/a/../b' }),
    InvalidInputError,
  );
  assert.equal(ran.length, 0);
});
