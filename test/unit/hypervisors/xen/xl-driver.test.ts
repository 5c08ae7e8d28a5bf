// The Xen driver: the poll's one command and its parsing, host facts, and the argv of every
// operation (a fake connection records them; nothing runs); the config-editing script run by
// the local sh on a temporary file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  XL_CONSOLE_SCRIPT,
  XL_HOST_FACTS_SCRIPT,
  XL_POLL_SCRIPT,
  XL_SET_CONFIG_SCRIPT,
  XlDriver,
  parseXlHostFacts,
  parseXlPoll,
} from '../../../../app/main/hypervisors/xen/xl-driver.js';
import type { SshConnection } from '../../../../app/main/ssh/ssh-connection.js';
import { buildCommand, quoteArg } from '../../../../app/main/ssh/shell-quote.js';
import { assembledXlListLong, xenFixture as fixture } from './assembled.js';

function fakeConnection(reply = '') {
  const ran: string[][] = [];
  const ssh = {
    run: (argv: string[]) => {
      ran.push(argv);
      return Promise.resolve(reply);
    },
  } as unknown as SshConnection;
  return { ran, ssh };
}

test('the poll is one command: a constant sh script, the config directory its argument', () => {
  const plain = new XlDriver(fakeConnection().ssh).pollArgv();
  assert.deepEqual(plain, ['sh', '-c', XL_POLL_SCRIPT, 'sh', '/etc/xen']);
  const sudo = new XlDriver(fakeConnection().ssh, {
    sudo: true,
    configDir: "/srv/xen/vm's",
  }).pollArgv();
  assert.deepEqual(sudo, ['sudo', '-n', 'sh', '-c', XL_POLL_SCRIPT, 'sh', "/srv/xen/vm's"]);
  assert.match(XL_POLL_SCRIPT, /xl list -l/);
  assert.match(XL_POLL_SCRIPT, /xentop -b -i 1/);
  // One shell word for the whole script, one for the directory: never pasted into the script.
  assert.equal(
    buildCommand(sudo),
    `sudo -n sh -c ${quoteArg(XL_POLL_SCRIPT)} sh ${quoteArg("/srv/xen/vm's")}`,
  );
});

test('parsePoll: one real poll of a Xen 4.17 host (running and paused PV guests)', () => {
  // The output of XL_POLL_SCRIPT captured on the test bed's emulated Xen host (SOURCES.md).
  const vms = parseXlPoll(fixture('xl-poll-4.17-emulated.txt'));
  assert.deepEqual(
    vms.map((v) => [v.name, v.state]),
    [
      ['g1', 'running'],
      ['tiny-pv-guest-with-a-long-name', 'paused'],
      ['stopped', 'shutoff'],
    ],
  );
  const [running, paused, stopped] = vms;
  assert.match(running!.uuid!, /^[0-9a-f]{8}-/);
  assert.equal(running!.vcpus, 2);
  assert.equal(running!.memoryMiB, 128);
  assert.equal(running!.maxMemoryMiB, 192);
  assert.ok(running!.cpuTimeNs! > 0);
  // xentop -f keeps the long name whole, so its counters join the right domain.
  assert.equal(typeof paused!.diskReadBytes, 'number');
  assert.equal(typeof paused!.netTxBytes, 'number');
  assert.deepEqual(stopped, {
    name: 'stopped',
    uuid: null,
    state: 'shutoff',
    vcpus: 1,
    memoryMiB: 128,
    maxMemoryMiB: 128,
    cpuTimeNs: null,
    diskReadBytes: null,
    diskWriteBytes: null,
    netRxBytes: null,
    netTxBytes: null,
  });
});

test('parsePoll: real xl list and xentop captures from unrelated hosts, joined by name', () => {
  // ASSEMBLED: no capture of the three listings from one host exists. The libxl configurations
  // are renamed to the guests of the real `xl list` (Xen 4.9) and `xentop` (Xen 4.1.2)
  // captures so that the join by name is exercised; each section is otherwise verbatim.
  const stdout = [
    '',
    '@@xl-list-long',
    assembledXlListLong({ pv: 'virtual1', hvm: 'guest1' }),
    '@@xl-list',
    fixture('xl-list-4.9-lab-paused.txt'),
    '@@xentop',
    fixture('xentop-4.1.2-ubuntuforums.txt'),
  ].join('\n');
  const vms = new XlDriver(fakeConnection().ssh).parsePoll(stdout);
  assert.deepEqual(
    vms.map((v) => v.name),
    ['virtual1', 'guest1'],
  );
  assert.deepEqual(vms[0], {
    name: 'virtual1',
    uuid: '039e9ee6-4a84-3055-4c81-8ba426ae2656',
    state: 'running',
    vcpus: 8,
    memoryMiB: 512,
    maxMemoryMiB: 512,
    cpuTimeNs: 128529e9,
    diskReadBytes: 7781018 * 512,
    diskWriteBytes: 69690752 * 512,
    netRxBytes: 17270964 * 1024,
    netTxBytes: 7604726 * 1024,
  });
  assert.deepEqual(vms[1], {
    name: 'guest1',
    uuid: '2147d599-9cc6-c0dc-92ab-4064b5446e9b',
    state: 'paused',
    vcpus: 1,
    memoryMiB: 1024,
    maxMemoryMiB: 1024,
    cpuTimeNs: 28e9,
    diskReadBytes: null,
    diskWriteBytes: null,
    netRxBytes: null,
    netTxBytes: null,
  });
});

test('parsePoll: xentop missing (failed or not installed) leaves the counters null', () => {
  const vms = parseXlPoll(
    ['@@xl-list-long', assembledXlListLong(), '@@xl-list', '@@xentop', ''].join('\n'),
  );
  assert.deepEqual(
    vms.map((v) => [v.name, v.state, v.netRxBytes]),
    [
      ['test-pv', 'unknown', null],
      ['test-hvm', 'unknown', null],
    ],
  );
  assert.throws(() => parseXlPoll('xl: command not found\n'), /no xl list -l section/);
});

test('host facts: xl info, hostname, bridges and the images directory as one pool', async () => {
  // ASSEMBLED: the xl info section is the real Xen 4.17 (aarch64) capture; the hostname,
  // bridge and df lines are illustrative, in the formats those commands print.
  const stdout = [
    '@@xl-info',
    fixture('xl-info-4.17-zynqmp.txt'),
    '@@hostname',
    'zynqmp-generic',
    '@@cpumodel',
    '@@bridges',
    'xenbr0',
    '@@df',
    'Filesystem     1024-blocks     Used Available Capacity Mounted on',
    '/dev/mmcblk0p2    30336096 10688736  19647496      36% /',
    '',
  ].join('\n');
  const { ran, ssh } = fakeConnection(stdout);
  const facts = await new XlDriver(ssh, { sudo: true }).hostFacts();
  assert.deepEqual(ran, [
    ['sudo', '-n', 'sh', '-c', XL_HOST_FACTS_SCRIPT, 'sh', '/var/lib/xen/images'],
  ]);
  assert.deepEqual(facts, {
    hostname: 'zynqmp-generic',
    hypervisor: 'xen',
    hypervisorVersion: '4.17.0',
    cpuCount: 4,
    cpuModel: 'aarch64',
    memoryTotalMiB: 4095,
    memoryFreeMiB: 2529,
    storagePools: [
      {
        name: '/var/lib/xen/images',
        type: 'dir',
        path: '/var/lib/xen/images',
        active: true,
        capacityBytes: 30336096 * 1024,
        availableBytes: 19647496 * 1024,
      },
    ],
    networks: [{ name: 'xenbr0', bridge: 'xenbr0', active: true }],
    capabilities: ['xen-3.0-aarch64', 'xen-3.0-armv7l'],
  });
});

test('host facts of a real Xen 4.17 host (BusyBox dom0: POSIX df)', () => {
  const facts = parseXlHostFacts(fixture('xl-host-facts-4.17-emulated.txt'), '/var/lib/xen/images');
  assert.deepEqual(facts, {
    hostname: 'xenhost',
    hypervisor: 'xen',
    hypervisorVersion: '4.17.7',
    cpuCount: 2,
    cpuModel: 'QEMU TCG CPU version 2.5+',
    memoryTotalMiB: 1279,
    memoryFreeMiB: facts.memoryFreeMiB,
    storagePools: [
      {
        name: '/var/lib/xen/images',
        type: 'dir',
        path: '/var/lib/xen/images',
        active: true,
        capacityBytes: 262144 * 1024,
        availableBytes: 262144 * 1024,
      },
    ],
    networks: [{ name: 'xenbr0', bridge: 'xenbr0', active: true }],
    capabilities: ['xen-3.0-x86_64', 'hvm-3.0-x86_32', 'hvm-3.0-x86_32p', 'hvm-3.0-x86_64'],
  });
  // Two guests of 128 MiB hold memory: less is free than dom0 leaves.
  assert.ok(facts.memoryFreeMiB > 0 && facts.memoryFreeMiB < 1279 - 512 - 2 * 128);
});

test('host facts: missing images directory, CPU model from /proc/cpuinfo', () => {
  const stdout = [
    '@@xl-info',
    fixture('xl-info-4.13-fc31.txt'),
    '@@hostname',
    '',
    '@@cpumodel',
    ' AMD Ryzen 9 3900X 12-Core Processor',
    '@@bridges',
    '@@df',
    '',
  ].join('\n');
  const facts = parseXlHostFacts(stdout, '/srv/xen');
  assert.equal(facts.hostname, 'cly-xen-1.int.umd.com.au');
  assert.equal(facts.cpuModel, 'AMD Ryzen 9 3900X 12-Core Processor');
  assert.equal(facts.cpuCount, 24);
  assert.equal(facts.hypervisorVersion, '4.13.0-rc');
  assert.deepEqual(facts.networks, []);
  assert.deepEqual(facts.storagePools[0], {
    name: '/srv/xen',
    type: 'dir',
    path: '/srv/xen',
    active: false,
    capacityBytes: null,
    availableBytes: null,
  });
  assert.throws(() => parseXlHostFacts('@@hostname\nx\n', '/srv/xen'), /no xl info section/);
});

test('every operation is one xl argv, with the sudo prefix', async () => {
  const { ran, ssh } = fakeConnection();
  const driver = new XlDriver(ssh, { sudo: true });
  const last = () => ran.at(-1);

  await driver.start('web1');
  assert.deepEqual(last(), ['sudo', '-n', 'xl', 'create', '/etc/xen/web1.cfg']);
  await driver.create('/srv/xen/configs/db 1.cfg');
  assert.deepEqual(last(), ['sudo', '-n', 'xl', 'create', '/srv/xen/configs/db 1.cfg']);
  await driver.shutdown('web1');
  assert.deepEqual(last(), ['sudo', '-n', 'timeout', '120', 'xl', 'shutdown', '-F', '-w', 'web1']);
  await driver.shutdown('web1', { mode: 'acpi', waitSeconds: 30 });
  assert.deepEqual(last()!.slice(2, 4), ['timeout', '30']);
  await driver.shutdown('web1', { waitSeconds: 0 });
  assert.deepEqual(last(), ['sudo', '-n', 'xl', 'shutdown', '-F', 'web1']);
  await driver.reboot('web1');
  assert.deepEqual(last(), ['sudo', '-n', 'xl', 'reboot', '-F', 'web1']);
  await driver.destroy('web1');
  assert.deepEqual(last(), ['sudo', '-n', 'xl', 'destroy', 'web1']);
  await driver.suspend('web1');
  assert.deepEqual(last(), ['sudo', '-n', 'xl', 'pause', 'web1']);
  await driver.resume('web1');
  assert.deepEqual(last(), ['sudo', '-n', 'xl', 'unpause', 'web1']);
  await driver.memSet('web1', 2048);
  assert.deepEqual(last(), ['sudo', '-n', 'xl', 'mem-set', 'web1', '2048m']);
  await driver.vcpuSet('web1', 2);
  assert.deepEqual(last(), ['sudo', '-n', 'xl', 'vcpu-set', 'web1', '2']);
  assert.deepEqual(driver.consoleArgv('web1'), [
    'sudo',
    '-n',
    'sh',
    '-c',
    XL_CONSOLE_SCRIPT,
    'sh',
    'web1',
  ]);
  // Clients wait for virsh's banner before they type: the xl console prints it too.
  assert.match(XL_CONSOLE_SCRIPT, /Escape character is/);
  assert.equal(await driver.guestInfo('web1'), null);

  const rootDriver = new XlDriver(ssh, { configDir: '/etc/xen/auto', shutdownWaitSeconds: 0 });
  await rootDriver.start('db');
  assert.deepEqual(last(), ['xl', 'create', '/etc/xen/auto/db.cfg']);
  await rootDriver.shutdown('db');
  assert.deepEqual(last(), ['xl', 'shutdown', '-F', 'db']);
});

test('a refused name or number runs nothing', async () => {
  const { ran, ssh } = fakeConnection();
  const driver = new XlDriver(ssh, { sudo: true });
  const bad = 'a;touch /tmp/x';
  await assert.rejects(driver.start(bad), /Invalid VM name/);
  await assert.rejects(driver.shutdown(bad), /Invalid VM name/);
  await assert.rejects(driver.reboot(bad), /Invalid VM name/);
  await assert.rejects(driver.destroy(bad), /Invalid VM name/);
  await assert.rejects(driver.suspend(bad), /Invalid VM name/);
  await assert.rejects(driver.resume(bad), /Invalid VM name/);
  await assert.rejects(driver.memSet(bad, 512), /Invalid VM name/);
  await assert.rejects(driver.vcpuSet(bad, 1), /Invalid VM name/);
  await assert.rejects(driver.guestInfo(bad), /Invalid VM name/);
  assert.throws(() => driver.consoleArgv(bad), /Invalid VM name/);
  await assert.rejects(driver.create('relative.cfg'), /Invalid host path/);
  await assert.rejects(driver.create('/etc/xen/../shadow'), /Invalid host path/);
  for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    await assert.rejects(driver.memSet('web1', n), /memoryMiB must be a positive whole number/);
    await assert.rejects(driver.vcpuSet('web1', n), /vcpus must be a positive whole number/);
  }
  await assert.rejects(driver.shutdown('web1', { waitSeconds: -5 }), /waitSeconds/);
  assert.equal(ran.length, 0);

  assert.throws(() => new XlDriver(ssh, { imagesDir: 'images' }), /Invalid host path/);
  assert.throws(() => new XlDriver(ssh, { configDir: '/etc/xen/..' }), /Invalid host path/);
  assert.throws(() => new XlDriver(ssh, { shutdownWaitSeconds: 2.5 }), /shutdownWaitSeconds/);
});

/** A fake connection that answers each command from `reply` (exit 0 unless it says). */
function scriptedConnection(reply: (argv: string[]) => { code?: number; stdout?: string }) {
  const ran: string[][] = [];
  const answer = (argv: string[]) => {
    ran.push(argv);
    const { code = 0, stdout = '' } = reply(argv);
    return { code, signal: null, stdout, stderr: code === 0 ? '' : 'failed' };
  };
  const ssh = {
    exec: (argv: string[]) => Promise.resolve(answer(argv)),
    run: (argv: string[]) => {
      const r = answer(argv);
      return r.code === 0 ? Promise.resolve(r.stdout) : Promise.reject(new Error(r.stderr));
    },
  } as unknown as SshConnection;
  return { ran, ssh };
}

test('delete: config, then the disks no other domain uses (volumes by tag); refused while running', async () => {
  // Real captures: `xl list` and `xl list -l` show g1 running on /var/lib/xen/images/g1.img;
  // the dry run of "stopped" names that disk and its own.
  const dryRun = JSON.stringify({
    disks: [
      { pdev_path: '/var/lib/xen/images/stopped.img' },
      { pdev_path: '/var/lib/xen/images/g1.img' },
      { pdev_path: '/dev/vg0/stopped-data' },
    ],
  });
  const { ran, ssh } = scriptedConnection((argv) => {
    const cmd = argv.join(' ');
    if (cmd === 'xl list') return { stdout: fixture('xl-list-4.17-emulated.txt') };
    if (cmd === 'xl list -l') return { stdout: fixture('xl-list-l-4.17-emulated.txt') };
    if (cmd.startsWith('xl create -n')) return { stdout: dryRun };
    if (argv[0] === 'sh') {
      return {
        // argv: sh -c SCRIPT sh TAG PATH...; /dev/vg0/stopped-data has no tag of ConVirt's.
        stdout: argv
          .slice(5)
          .map((f) => `${f.startsWith('/dev/') ? 'kept' : 'removed'} ${f}\n`)
          .join(''),
      };
    }
    return {};
  });
  const driver = new XlDriver(ssh);
  await assert.rejects(driver.deleteVm('g1'), /g1 is running: stop it before deleting it/);
  assert.deepEqual(ran, [['xl', 'list']]);

  ran.length = 0;
  assert.deepEqual(await driver.deleteVm('stopped', { removeDisks: true }), {
    removed: ['/var/lib/xen/images/stopped.img'],
    kept: ['/var/lib/xen/images/g1.img', '/dev/vg0/stopped-data'],
  });
  assert.deepEqual(
    ran.map((argv) => (argv[0] === 'sh' ? [...argv.slice(0, 2), ...argv.slice(3)] : argv)),
    [
      ['xl', 'list'],
      ['test', '-f', '/etc/xen/stopped.cfg'],
      ['xl', 'create', '-n', '-q', '/etc/xen/stopped.cfg'],
      ['xl', 'list', '-l'],
      ['rm', '-f', '--', '/etc/xen/stopped.cfg'],
      [
        'sh',
        '-c',
        'sh',
        'convirt.stopped',
        '/var/lib/xen/images/stopped.img',
        '/dev/vg0/stopped-data',
      ],
    ],
  );

  ran.length = 0;
  assert.deepEqual(await driver.deleteVm('stopped'), {
    removed: [],
    kept: [
      '/var/lib/xen/images/stopped.img',
      '/var/lib/xen/images/g1.img',
      '/dev/vg0/stopped-data',
    ],
  });
  assert.equal(ran.filter((argv) => argv[0] === 'sh').length, 0, 'no disk removed');
});

test('delete of a name with neither domain nor config is refused', async () => {
  const { ssh } = scriptedConnection((argv) =>
    argv[0] === 'test' ? { code: 1 } : { stdout: fixture('xl-list-4.17-emulated.txt') },
  );
  await assert.rejects(new XlDriver(ssh).deleteVm('ghost'), /No VM named ghost/);
});

test('the config script sets resource lines in place, keeps the rest, and says when no file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-xl-config-'));
  try {
    const config = join(dir, 'web.cfg');
    writeFileSync(config, 'name = "web"\n  memory=128\nmaxmem = 256\nvif = [ "bridge=xenbr0" ]\n', {
      mode: 0o640,
    });
    const run = (...args: string[]) =>
      execFileSync('sh', ['-c', XL_SET_CONFIG_SCRIPT, 'sh', config, ...args], { encoding: 'utf8' });
    assert.equal(run('vcpus', '2', 'memory', '96'), 'updated\n');
    assert.equal(
      readFileSync(config, 'utf8'),
      'name = "web"\nmemory = 96\nmaxmem = 256\nvif = [ "bridge=xenbr0" ]\nvcpus = 2\n',
    );
    assert.equal(statSync(config).mode & 0o777, 0o640, 'the mode is kept');
    assert.deepEqual(readdirSync(dir), ['web.cfg'], 'no temporary file left');
    rmSync(config);
    assert.equal(run('vcpus', '1'), 'no-config\n');
    assert.deepEqual(readdirSync(dir), [], 'nothing made');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
