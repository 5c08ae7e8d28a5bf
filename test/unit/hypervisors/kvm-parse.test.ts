// Parsers over output captured from this project's test bed (test/fixtures/kvm/).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseGuestInfo, parseKvmPoll } from '../../../app/main/hypervisors/kvm/domstats-parse.js';
import { KvmDriver, parseKvmHostFacts } from '../../../app/main/hypervisors/kvm/kvm-driver.js';
import type { SshConnection } from '../../../app/main/ssh/ssh-connection.js';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../fixtures/kvm', name), 'utf8');

test('one poll: the domain list and domstats of a running and a stopped VM', () => {
  const vms = parseKvmPoll(fixture('list-and-domstats.txt'));
  assert.equal(vms.length, 2);
  const [running, stopped] = vms;
  assert.deepEqual(running, {
    name: 'cvtest-1-cap-a',
    uuid: 'f1887572-51c2-4b16-af97-642b0df80bda',
    state: 'running',
    vcpus: 1,
    memoryMiB: 128,
    maxMemoryMiB: 128,
    cpuTimeNs: 3688242000,
    diskReadBytes: null,
    diskWriteBytes: null,
    netRxBytes: null,
    netTxBytes: null,
  });
  assert.equal(stopped!.state, 'shutoff');
  assert.equal(stopped!.vcpus, 2);
  assert.equal(stopped!.cpuTimeNs, null);
});

test('block and interface counters are summed over devices', () => {
  const text = [
    "Domain: 'a b'",
    '  state.state=3',
    '  block.count=2',
    '  block.0.rd.bytes=100',
    '  block.1.rd.bytes=50',
    '  block.0.wr.bytes=7',
    '  net.count=1',
    '  net.0.rx.bytes=1000',
    '  net.0.tx.bytes=2000',
  ].join('\n');
  const [vm] = parseKvmPoll(text);
  assert.equal(vm!.name, 'a b');
  assert.equal(vm!.state, 'paused');
  assert.equal(vm!.diskReadBytes, 150);
  assert.equal(vm!.diskWriteBytes, 7);
  assert.equal(vm!.netRxBytes, 1000);
  assert.equal(vm!.netTxBytes, 2000);
});

test('guest agent information: OS, hostname, interfaces with CIDR addresses', () => {
  const info = parseGuestInfo(fixture('guestinfo.txt'));
  assert.equal(info.osName, 'ConVirt tiny VM (busybox, Debian kernel 6.1.0-56-cloud-amd64)');
  assert.equal(info.kernelRelease, '6.1.0-56-cloud-amd64');
  assert.equal(info.hostname, 'capture');
  assert.deepEqual(info.interfaces[1], {
    name: 'eth0',
    mac: '52:54:00:5e:34:07',
    addresses: ['10.0.2.15/24'],
  });
});

test('host facts from a QEMU host and from the test driver', () => {
  const qemu = parseKvmHostFacts(fixture('host-facts-qemu.txt'));
  assert.equal(qemu.hypervisorVersion, 'QEMU 7.2.22');
  assert.equal(qemu.cpuCount, 2);
  assert.equal(qemu.cpuModel, 'AMD EPYC');
  assert.equal(qemu.memoryTotalMiB, 24106);
  assert.deepEqual(qemu.networks, [{ name: 'default', bridge: 'virbr0', active: false }]);
  const sim = parseKvmHostFacts(fixture('host-facts-test.txt'));
  assert.equal(sim.cpuCount, 16);
  assert.deepEqual(sim.storagePools[0], {
    name: 'default-pool',
    type: 'unknown',
    path: '/default-pool',
    active: true,
    capacityBytes: 107374182400,
    availableBytes: 107374182400,
  });
});

test('commands are argument lists; a bad VM name runs nothing', async () => {
  const ran: string[][] = [];
  const fake = {
    run: (argv: string[]) => {
      ran.push(argv);
      return Promise.resolve('');
    },
    exec: (argv: string[]) => {
      ran.push(argv);
      return Promise.resolve({ code: 1, signal: null, stdout: '', stderr: '' });
    },
  } as unknown as SshConnection;
  const driver = new KvmDriver(fake, { uri: 'test:///default', sudo: true });
  assert.deepEqual(driver.pollArgv().slice(0, 5), ['sudo', '-n', 'virsh', '-q', '-c']);
  await driver.start('web1');
  assert.deepEqual(ran.at(-1), [
    'sudo',
    '-n',
    'virsh',
    '-q',
    '-c',
    'test:///default',
    'start',
    'web1',
  ]);
  // No agent answers, so shutdown falls back to ACPI.
  await driver.shutdown('web1');
  assert.deepEqual(ran.at(-1)!.slice(-4), ['shutdown', 'web1', '--mode', 'acpi']);
  const before = ran.length;
  await assert.rejects(driver.start('a;touch /tmp/x'), /Invalid VM name/);
  assert.equal(ran.length, before);
});

test('exists: a domain virsh does not have is false; a virsh that cannot tell is an error', async () => {
  const answers = [
    { code: 0, stderr: '' },
    { code: 1, stderr: "error: failed to get domain 'web1'\n" },
    {
      code: 1,
      stderr:
        "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/run/libvirt/libvirt-sock': No such file or directory\n",
    },
  ];
  const fake = {
    exec: () => Promise.resolve({ signal: null, stdout: '', ...answers.shift()! }),
  } as unknown as SshConnection;
  const driver = new KvmDriver(fake);
  assert.equal(await driver.exists('web1'), true);
  assert.equal(await driver.exists('web1'), false);
  await assert.rejects(driver.exists('web1'), /exit 1.*domid web1\nerror: failed to connect/s);
});
