// The Xen parsers over real captures (test/fixtures/xen/, sources in SOURCES.md).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  mergeXenDomains,
  parseXentopBatch,
  parseXlInfo,
  parseXlList,
  parseXlConfigFiles,
  parseXlDryRun,
  parseXlListLong,
  xenStateFromFlags,
} from '../../../../app/main/hypervisors/xen/xl-parse.js';
import { assembledXlListLong, xenFixture as fixture } from './assembled.js';

test('state letters, in xl list order (rbps, reason, d) and xentop order (dsbcpr)', () => {
  const table: Array<[string, string]> = [
    // xl list
    ['r-----', 'running'],
    ['-b----', 'running'],
    ['------', 'running'],
    ['--p---', 'paused'],
    ['---s--', 'shutoff'],
    ['---sc-', 'crashed'],
    ['----c-', 'crashed'],
    ['-----d', 'shutoff'],
    ['--ps--', 'shutoff'],
    // xl list's fifth letter is the shutdown reason: reboot, suspend, watchdog, soft reset, ?
    ['---sr-', 'shutoff'],
    ['---ss-', 'shutoff'],
    ['---sw-', 'shutoff'],
    ['---sS-', 'shutoff'],
    ['---s?-', 'shutoff'],
    // xentop
    ['-----r', 'running'],
    ['--b---', 'running'],
    ['----p-', 'paused'],
    ['-s----', 'shutoff'],
    ['---c--', 'crashed'],
    ['d-----', 'shutoff'],
    // not state letters
    ['', 'unknown'],
    ['r', 'unknown'],
    ['--x---', 'unknown'],
    ['running', 'unknown'],
  ];
  for (const [flags, state] of table) assert.equal(xenStateFromFlags(flags), state, flags);
  assert.equal(xenStateFromFlags(' --p---\n'), 'paused');
});

test('xentop -b -i 2 (Xen 4.17, XCP-ng 8.3): the last iteration wins; short names hold spaces', () => {
  const rows = parseXentopBatch(fixture('xentop-xcpng83-b-i2-d1.txt'));
  assert.deepEqual(
    rows.map((r) => r.name),
    [
      'b-vm-01',
      'Domain-0',
      'f-vm-02',
      'h-vm-03-sa',
      'i-vm04',
      'n-vm-05-x',
      'r-vm-06 pr',
      's-vm 007',
      'xvm',
    ],
  );
  assert.deepEqual(rows[0], {
    name: 'b-vm-01',
    flags: '--b---',
    state: 'running',
    cpuTimeNs: 30479e9,
    memoryMiB: 8191,
    maxMemoryMiB: 8192,
    vcpus: 4,
    nets: 0,
    netTxBytes: 0,
    netRxBytes: 0,
    vbds: 2,
    diskReadRequests: 1333757,
    diskWriteRequests: 8634521,
    diskReadBytes: 112690741 * 512,
    diskWriteBytes: 87614100 * 512,
  });
  const dom0 = rows[1]!;
  assert.equal(dom0.state, 'running');
  assert.equal(dom0.vcpus, 12);
  assert.equal(dom0.memoryMiB, 5936);
  // h-vm-03-sa wrote between the two iterations: the second one's figures are kept.
  const h = rows.find((r) => r.name === 'h-vm-03-sa')!;
  assert.equal(h.diskWriteRequests, 347166);
  assert.equal(h.diskWriteBytes, 8414737 * 512);
  assert.equal(h.cpuTimeNs, 4069e9);
  assert.equal(rows.find((r) => r.name === 's-vm 007')!.diskWriteBytes, 220737293 * 512);
});

test('xentop -b -i 1 -r -f: a header before every row, full names', () => {
  const rows = parseXentopBatch(fixture('xentop-xcpng83-b-i1-r-f.txt'));
  assert.equal(rows.length, 9);
  const h = rows.find((r) => r.name === 'h-vm-03-sample')!;
  assert.equal(h.memoryMiB, 4097);
  assert.equal(h.maxMemoryMiB, 4098);
  assert.equal(h.vcpus, 2);
  assert.equal(h.diskReadRequests, 317002);
  assert.equal(h.diskReadBytes, 9036992 * 512);
  const r = rows.find((x) => x.name === 'r-vm-06 proxy')!;
  assert.equal(r.diskWriteRequests, 1436388);
  assert.equal(r.cpuTimeNs, 13749e9);
  assert.equal(rows.find((x) => x.name === 'i-vm04')!.vcpus, 8);
});

test('interactive xentop 4.1.2: summary lines skipped, dom0 "no limit", kB of network', () => {
  const [dom0, vm] = parseXentopBatch(fixture('xentop-4.1.2-ubuntuforums.txt'));
  assert.equal(dom0!.name, 'Domain-0');
  assert.equal(dom0!.memoryMiB, 1024);
  assert.equal(dom0!.maxMemoryMiB, null);
  assert.deepEqual(vm, {
    name: 'virtual1',
    flags: '--b---',
    state: 'running',
    cpuTimeNs: 128529e9,
    memoryMiB: 30720,
    maxMemoryMiB: 30720,
    vcpus: 8,
    nets: 1,
    netTxBytes: 7604726 * 1024,
    netRxBytes: 17270964 * 1024,
    vbds: 2,
    diskReadRequests: 181258,
    diskWriteRequests: 3374788,
    diskReadBytes: 7781018 * 512,
    diskWriteBytes: 69690752 * 512,
  });
});

test('xentop without the sector columns: request counts, but no bytes', () => {
  // DERIVED from the 4.1.2 capture by dropping VBD_RSECT/VBD_WSECT, the layout of older xentop.
  const old = fixture('xentop-4.1.2-ubuntuforums.txt')
    .split('\n')
    .map((line) =>
      /NAME|\s[-dsbcpr]{6}\s/.test(line) ? line.replace(/(\s+\S+){2}(\s+\S+)$/, '$2') : line,
    )
    .join('\n');
  assert.match(old, /VBD_WR SSID/);
  const vm = parseXentopBatch(old).find((r) => r.name === 'virtual1')!;
  assert.equal(vm.diskWriteRequests, 3374788);
  assert.equal(vm.diskReadBytes, null);
  assert.equal(vm.diskWriteBytes, null);
});

test('xl info, Xen 4.13 on x86_64 (Fedora 31)', () => {
  const info = parseXlInfo(fixture('xl-info-4.13-fc31.txt'));
  assert.equal(info.host, 'cly-xen-1.int.umd.com.au');
  assert.equal(info.machine, 'x86_64');
  assert.equal(info.nrCpus, 24);
  assert.equal(info.cpuMhz, 3800.03);
  assert.equal(info.totalMemoryMiB, 65485);
  assert.equal(info.freeMemoryMiB, 52299);
  assert.equal(info.xenVersion, '4.13.0-rc');
  assert.equal(info.scheduler, 'credit2');
  // The line ends with a space in the capture.
  assert.deepEqual(info.xenCaps, [
    'xen-3.0-x86_64',
    'xen-3.0-x86_32p',
    'hvm-3.0-x86_32',
    'hvm-3.0-x86_32p',
    'hvm-3.0-x86_64',
  ]);
  assert.deepEqual(info.virtCaps, ['pv', 'hvm', 'hvm_directio', 'pv_directio', 'hap', 'shadow']);
  // Values with colons are kept whole.
  assert.equal(info.fields.get('xen_changeset'), 'Mon Oct 14 11:31:31 2019 +0100 git:518c935fac');
  assert.equal(info.fields.get('hw_caps')!.split(':').length, 8);
  assert.equal(info.fields.get('xend_config_format'), '4');
});

test('xl info, Xen 4.17.0 on aarch64 (Xilinx ZynqMP): empty values, no x86 caps', () => {
  const info = parseXlInfo(fixture('xl-info-4.17-zynqmp.txt'));
  assert.equal(info.host, 'zynqmp-generic');
  assert.equal(info.machine, 'aarch64');
  assert.equal(info.nrCpus, 4);
  assert.equal(info.cpuMhz, 99.99);
  assert.equal(info.totalMemoryMiB, 4095);
  assert.equal(info.freeMemoryMiB, 2529);
  assert.equal(info.xenVersion, '4.17.0');
  assert.deepEqual(info.xenCaps, ['xen-3.0-aarch64', 'xen-3.0-armv7l']);
  assert.equal(info.fields.get('cc_compile_domain'), '');
  assert.equal(info.fields.size, 34);
});

test('xl info without xen_version: built from major, minor and extra', () => {
  const info = parseXlInfo(
    'xen_major              : 4\nxen_minor              : 17\nxen_extra              : .3\n',
  );
  assert.equal(info.xenVersion, '4.17.3');
  assert.equal(info.nrCpus, null);
});

test('plain xl list: Xen 4.17 dom0 only, and Xen 4.9 with a paused guest (tabs in the header)', () => {
  assert.deepEqual(parseXlList(fixture('xl-list-4.17-zynqmp.txt')), [
    {
      name: 'Domain-0',
      domid: 0,
      memoryMiB: 1500,
      vcpus: 1,
      flags: 'r-----',
      state: 'running',
      cpuTimeNs: 123.5e9,
    },
  ]);
  const [dom0, guest] = parseXlList(fixture('xl-list-4.9-lab-paused.txt'));
  assert.equal(dom0!.memoryMiB, 13984);
  assert.equal(dom0!.cpuTimeNs, 56475.2e9);
  assert.deepEqual(guest, {
    name: 'guest1',
    domid: 28,
    memoryMiB: 1024,
    vcpus: 1,
    flags: '--p---',
    state: 'paused',
    cpuTimeNs: 28e9,
  });
});

test('xl list -v rows (Xen 4.14.3): running, paused after save -p, shut down', () => {
  const rows = parseXlList(fixture('xl-list-v-4.14-xen-devel.txt'));
  assert.deepEqual(
    rows.map((r) => r.state),
    ['running', 'paused', 'running', 'shutoff'],
  );
  assert.equal(rows[3]!.name, 'guest01');
  assert.equal(rows[3]!.domid, 15);
  assert.equal(rows[3]!.vcpus, 3);
  assert.equal(rows[3]!.cpuTimeNs, 1575800000000);
});

test('xl list -l of a real Xen 4.17 host: dom0, a running and a paused PV guest', () => {
  const [dom0, running, paused, ...rest] = parseXlListLong(fixture('xl-list-l-4.17-emulated.txt'));
  assert.equal(rest.length, 0);
  assert.deepEqual(dom0, {
    domid: 0,
    name: 'Domain-0',
    // dom0's uuid is the nil uuid.
    uuid: null,
    type: 'pv',
    maxVcpus: null,
    availVcpus: null,
    targetMemoryMiB: 511,
    maxMemoryMiB: 512,
    disks: [],
  });
  assert.deepEqual(running, {
    domid: 1,
    name: 'g1',
    uuid: 'fbebee34-b8ff-41a4-821a-805253f5c57d',
    type: 'pv',
    maxVcpus: 2,
    availVcpus: 2,
    targetMemoryMiB: 128,
    maxMemoryMiB: 192,
    disks: ['/var/lib/xen/images/g1.img'],
  });
  assert.equal(paused!.name, 'tiny-pv-guest-with-a-long-name');
  assert.equal(paused!.domid, 2);
  assert.deepEqual(paused!.disks, ['/var/lib/xen/images/tiny-pv-guest-with-a-long-name.img']);
});

test('xl create -n (dry run) of a real Xen 4.17 host: the disks a config file names', () => {
  assert.deepEqual(parseXlDryRun(fixture('xl-create-n-4.17-emulated.txt')), {
    disks: ['/var/lib/xen/images/g1.img'],
  });
  assert.throws(() => parseXlDryRun('Parsing config from /etc/xen/x.cfg'), /did not print JSON/);
});

test('config files: sizes read from xl settings; names that are no VM name skipped', () => {
  const files = parseXlConfigFiles(
    [
      '@file web1.cfg',
      'memory = 512',
      'maxmem=1024 # room to balloon',
      'vcpus = "2"',
      '@file bad name.cfg',
      'memory = 64',
      '@file db.cfg',
      '  vcpus = 4',
    ].join('\n'),
  );
  assert.deepEqual(files, [
    { name: 'web1', memoryMiB: 512, maxMemoryMiB: 1024, vcpus: 2 },
    { name: 'db', memoryMiB: null, maxMemoryMiB: null, vcpus: 4 },
  ]);
});

test('xl list -l (assembled from libxl configurations): PV and HVM guests and dom0', () => {
  const [dom0, pv, hvm] = parseXlListLong(assembledXlListLong());
  assert.deepEqual(dom0, {
    domid: 0,
    name: 'Domain-0',
    uuid: null,
    type: 'pv',
    maxVcpus: null,
    availVcpus: null,
    targetMemoryMiB: null,
    maxMemoryMiB: null,
    disks: [],
  });
  assert.deepEqual(pv, {
    domid: 3,
    name: 'test-pv',
    uuid: '039e9ee6-4a84-3055-4c81-8ba426ae2656',
    type: 'pv',
    maxVcpus: 4,
    availVcpus: 4,
    targetMemoryMiB: 512,
    maxMemoryMiB: 512,
    disks: ['/var/lib/xen/images/test-pv.img'],
  });
  assert.equal(hvm!.type, 'hvm');
  assert.equal(hvm!.uuid, '2147d599-9cc6-c0dc-92ab-4064b5446e9b');
  assert.equal(hvm!.targetMemoryMiB, 1024);
});

test('xl list -l: unset sizes, nil uuids and entries without a name', () => {
  // LIBXL_MEMKB_DEFAULT is ~0 (2^64 - 1), which no double holds exactly.
  const json = `[
    { "domid": 2, "config": {
        "c_info": { "name": "x", "uuid": "00000000-0000-0000-0000-000000000000" },
        "b_info": { "max_memkb": 18446744073709551615, "target_memkb": 1048576 } } },
    { "domid": 4, "config": null }
  ]`;
  assert.deepEqual(parseXlListLong(json), [
    {
      domid: 2,
      name: 'x',
      uuid: null,
      type: null,
      maxVcpus: null,
      availVcpus: null,
      targetMemoryMiB: 1024,
      maxMemoryMiB: null,
      disks: [],
    },
  ]);
});

test('xl list -l in SXP (output_format="sxp") is refused with a hint', () => {
  assert.throws(() => parseXlListLong('(domain\n\t(domid 0)\n)'), /output_format/);
  assert.throws(() => parseXlListLong('{}'), /array/);
});

test('merging: dom0 left out, a 10-character xentop name matched to its domain', () => {
  const vms = mergeXenDomains(
    parseXlListLong(assembledXlListLong({ pv: 'h-vm-03-sample' })),
    [],
    parseXentopBatch(fixture('xentop-xcpng83-b-i2-d1.txt')),
  );
  assert.equal(
    vms.some((v) => v.name === 'Domain-0'),
    false,
  );
  const h = vms.find((v) => v.name === 'h-vm-03-sample')!;
  assert.equal(h.uuid, '039e9ee6-4a84-3055-4c81-8ba426ae2656');
  assert.equal(h.memoryMiB, 512);
  assert.equal(h.diskWriteBytes, 8414737 * 512);
  assert.equal(
    vms.some((v) => v.name === 'h-vm-03-sa'),
    false,
  );
  // test-hvm is in no other listing: its state is unknown, its counters null.
  const hvm = vms.find((v) => v.name === 'test-hvm')!;
  assert.equal(hvm.state, 'unknown');
  assert.equal(hvm.vcpus, 4);
  assert.equal(hvm.cpuTimeNs, null);
});

test('xentop -b -i 1 of a real Xen 4.17 host: a cut name joins its domain, paused row', () => {
  const rows = parseXentopBatch(fixture('xentop-4.17-emulated-b-i1.txt'));
  assert.deepEqual(
    rows.map((r) => [r.name, r.state]),
    [
      ['Domain-0', 'running'],
      ['g1', 'running'],
      ['tiny-pv-gu', 'paused'],
    ],
  );
  const vms = mergeXenDomains(parseXlListLong(fixture('xl-list-l-4.17-emulated.txt')), [], rows);
  const long = vms.find((v) => v.name === 'tiny-pv-guest-with-a-long-name')!;
  assert.equal(long.state, 'paused');
  assert.equal(long.netTxBytes, 0);
  assert.equal(vms.length, 2);
});
