// Xen's migration endpoint: what it reads of a domain's libxl configuration (real captures),
// the argv of `xl migrate` through the relay, and its progress and cancel scripts run by the
// local sh against a stand-in transport process.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DISK_SIZES_SCRIPT,
  XL_MIGRATE_ABORT_SCRIPT,
  XL_MIGRATE_PROGRESS_SCRIPT,
  XL_MIGRATE_SCRIPT,
  parseMigratingConfig,
} from '../../../../app/main/hypervisors/xen/xl-migration.js';
import { XlDriver } from '../../../../app/main/hypervisors/xen/xl-driver.js';
import type { RemoteShell } from '../../../../app/main/ssh/ssh-connection.js';
import { xenFixture as fixture } from './assembled.js';

function recordingShell(replies: Record<string, string> = {}) {
  const ran: string[][] = [];
  const reply = (argv: string[]) =>
    Object.entries(replies).find(([key]) => argv.join(' ').includes(key))?.[1] ?? '';
  const shell = {
    target: 'root@xen',
    run: (argv: string[]) => {
      ran.push(argv);
      return Promise.resolve(reply(argv));
    },
    exec: (argv: string[]) => {
      ran.push(argv);
      return Promise.resolve({ code: 0, stdout: reply(argv), stderr: '' });
    },
  } as unknown as RemoteShell;
  return { ran, shell };
}

const argvOptions = (targetUri: string) => ({
  targetUri,
  targetAddress: '192.0.2.7',
  copyStorage: false,
  sharedStorageVerified: true,
});

test('a running domain (xl list -l) and a config file (xl create -n) read alike', () => {
  const running = JSON.parse(fixture('xl-list-l-4.17-emulated.txt')) as Array<{
    config: unknown;
  }>;
  const fromList = parseMigratingConfig(running[1]!.config);
  const fromDryRun = parseMigratingConfig(JSON.parse(fixture('xl-create-n-4.17-emulated.txt')));
  for (const config of [fromList, fromDryRun]) {
    assert.deepEqual(config, {
      type: 'pv',
      // The balloon target (memory =), not maxmem: what the domain holds.
      memoryMiB: 128,
      bridges: ['xenbr0'],
      disks: [{ target: 'xvda', path: '/var/lib/xen/images/g1.img', format: 'raw' }],
    });
  }
  assert.deepEqual(parseMigratingConfig({}), {
    type: 'pv',
    memoryMiB: 0,
    bridges: [],
    disks: [],
  });
});

test('xl migrate runs its transport through sh: the relay, after noting its PID', () => {
  const { shell } = recordingShell();
  const endpoint = new XlDriver(shell, { sudo: true }).migrationEndpoint();
  const { refused, ...live } = endpoint.live;
  assert.deepEqual(live, {
    direct: false,
    copiesStorage: false,
    movesDefinition: false,
    relayProgram: 'xl (migrate-receive)',
  });
  // Refused until it can be tested: the test bed's Xen has no shadow paging for log-dirty.
  assert.match(refused ?? '', /log-dirty.*migrate it offline/);
  const relay = '/tmp/convirt-relay.AbC123/relay';
  assert.equal(endpoint.relayedUri(relay), relay);
  const argv = endpoint.liveMigrateArgv('g1', argvOptions(relay));
  assert.deepEqual(argv, [
    'sudo',
    '-n',
    'sh',
    '-c',
    XL_MIGRATE_SCRIPT,
    'sh',
    '/run/convirt-xl-migrate.g1',
    'g1',
    `echo $$ > /run/convirt-xl-migrate.g1.transport; exec ${relay}`,
  ]);
  assert.match(XL_MIGRATE_SCRIPT, /xl migrate -s '' "\$2" "\$3"/);
  assert.deepEqual(endpoint.controlRelayArgv(), ['sudo', '-n', 'xl', 'migrate-receive']);
  assert.throws(() => endpoint.liveMigrateArgv('bad name', argvOptions(relay)));
});

test('the config file moves: written without clobbering, removed only without a domain', async () => {
  const { ran, shell } = recordingShell({ 'xl list': '' });
  const endpoint = new XlDriver(shell, { configDir: '/srv/xen' }).migrationEndpoint();
  await endpoint.define('name = "g1"\nmemory = 128\n');
  assert.deepEqual(ran.at(-1), ['sh', '-c', 'set -C; cat > "$1"', 'sh', '/srv/xen/g1.cfg']);
  await endpoint.undefine('g1');
  assert.deepEqual(ran.at(-1), ['rm', '-f', '--', '/srv/xen/g1.cfg']);
  await assert.rejects(endpoint.define('memory = 128\n'), /sets no name/);

  const running = recordingShell({
    'xl list': 'Name  ID   Mem VCPUs\tState\tTime(s)\ng1  3   128     2     -b----       1.2\n',
  });
  await assert.rejects(
    new XlDriver(running.shell).migrationEndpoint().undefine('g1'),
    /running here/,
  );
  assert.equal(
    running.ran.some((argv) => argv[0] === 'rm'),
    false,
  );
});

test('progress is what the transport has read; cancel ends it, unless the target has it all', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-xl-migrate-'));
  const base = join(dir, 'state');
  const transport = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => {
    transport.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  const sh = (script: string) => {
    try {
      return { code: 0, out: execFileSync('sh', ['-c', script, 'sh', base], { encoding: 'utf8' }) };
    } catch (err) {
      const e = err as { status: number; stderr: Buffer };
      return { code: e.status, out: e.stderr.toString() };
    }
  };
  // Before the transport runs: no reading, and nothing to cancel.
  assert.deepEqual(sh(XL_MIGRATE_PROGRESS_SCRIPT), { code: 0, out: '' });
  assert.equal(sh(XL_MIGRATE_ABORT_SCRIPT).code, 1);

  writeFileSync(`${base}.transport`, `${transport.pid}\n`);
  assert.match(sh(XL_MIGRATE_PROGRESS_SCRIPT).out, /^\d+\n$/);

  writeFileSync(`${base}.log`, 'migration sender: Target has acknowledged transfer.\n');
  const late = sh(XL_MIGRATE_ABORT_SCRIPT);
  assert.equal(late.code, 1);
  assert.match(late.out, /too late to cancel/);
  assert.equal(transport.exitCode, null);

  writeFileSync(`${base}.log`, 'Saving to migration stream new xl format\n');
  const exited = new Promise((resolve) =>
    transport.once('exit', (_code, signal) => resolve(signal)),
  );
  assert.equal(sh(XL_MIGRATE_ABORT_SCRIPT).code, 0);
  assert.equal(await exited, 'SIGTERM');
});

test('the endpoint reads the bytes sent as the job, and nothing once the transport is gone', async () => {
  const reading = recordingShell({ 'rchar: ': '1048576\n' });
  const job = await new XlDriver(reading.shell).migrationEndpoint().jobInfo('g1');
  assert.equal(job?.dataProcessedBytes, 1048576);
  assert.equal(job?.dataRemainingBytes, null);
  assert.equal(await new XlDriver(recordingShell().shell).migrationEndpoint().jobInfo('g1'), null);
});

test('a disk on a block device is marked block (for the checks to refuse); files keep sizes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-xl-disks-'));
  try {
    const file = join(dir, 'g1.img');
    writeFileSync(file, Buffer.alloc(4096));
    const device = readdirSync('/dev')
      .map((name) => `/dev/${name}`)
      .find((path) => statSync(path, { throwIfNoEntry: false })?.isBlockDevice());
    const paths = device ? [file, device] : [file];
    const out = execFileSync('sh', ['-c', DISK_SIZES_SCRIPT, 'sh', ...paths]).toString();
    assert.deepEqual(out.split('\n').filter(Boolean).slice(1), device ? ['block'] : []);
    assert.match(out.split('\n')[0]!, /^4096 \d+ \d+$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const config = JSON.parse(fixture('xl-create-n-4.17-emulated.txt')) as object;
  const { shell } = recordingShell({ 'xl create': JSON.stringify(config), 'stat -L': 'block\n' });
  const driver = new XlDriver(shell);
  driver.domainState = () => Promise.resolve(null);
  driver.existingConfig = () => Promise.resolve('/etc/xen/g1.cfg');
  const vm = await driver.migrationEndpoint().vm('g1');
  assert.deepEqual(
    vm.disks.map((d) => [d.target, d.block, d.virtualBytes]),
    [['xvda', true, 0]],
  );
});
