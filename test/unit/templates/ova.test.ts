// OVAs converted "on a host" that is this machine (the same tar and qemu-img, commands run from
// their argument lists): the fixture's OVA becomes a qcow2 with the tiny disk's content, and
// packages with a member outside the folder, a link, no disk or a disk reading another file are
// refused before anything is converted, leaving nothing behind.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  convertOvaOnHost,
  firstOvfDisk,
  OvaRefusedError,
  parseTarListing,
  refusedMembers,
} from '../../../app/main/templates/ova.js';
import type { ExecResult, RemoteShell } from '../../../app/main/ssh/ssh-connection.js';
import { makeOva } from '../../support/image-list-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'convirt-ova-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** This machine as the host: each argument list run as it is, no shell. */
const local = (() => {
  const exec = (argv: readonly string[]): Promise<ExecResult> =>
    new Promise((resolve) =>
      execFile(argv[0]!, argv.slice(1), (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
          signal: null,
          stdout,
          stderr,
        }),
      ),
    );
  return {
    target: 'local',
    exec,
    run: async (argv: readonly string[]) => {
      const r = await exec(argv);
      if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
  } as unknown as RemoteShell;
})();

/** A small qcow2 disk with known content. */
const disk = join(dir, 'disk.qcow2');
execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '4M']);
execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 0 64k', disk], { stdio: 'ignore' });

/** The fixture's OVA unpacked into a folder of its own, to build bad packages from. */
function unpackedOva(name: string): string {
  const ova = makeOva(dir, name, disk);
  const folder = join(dir, `${name}-members`);
  mkdirSync(folder);
  execFileSync('tar', ['-xf', ova, '-C', folder]);
  rmSync(ova);
  return folder;
}

const tar = (ova: string, args: string[]) => execFileSync('tar', ['-cf', ova, ...args]);

test('an OVA becomes a qcow2 of its disk; the OVA and the work folder are removed', async () => {
  const pool = join(dir, 'pool');
  mkdirSync(pool);
  const ova = makeOva(pool, 'good', disk);
  const dest = join(pool, 'template-good.qcow2');
  const log: string[] = [];
  await convertOvaOnHost(local, ova, dest, (l) => log.push(l));
  const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', dest]).toString()) as {
    format: string;
  };
  assert.equal(info.format, 'qcow2');
  execFileSync('qemu-img', ['compare', '-f', 'qcow2', '-F', 'qcow2', disk, dest]);
  assert.deepEqual(readdirSync(pool), ['template-good.qcow2']);
  assert.match(log[0]!, /^Unpacking good-disk1\.vmdk \(vmdk\) from .*good\.ova/);
});

test('refused packages: nothing converted, nothing left', async () => {
  const cases: [string, (ova: string) => void, RegExp][] = [
    [
      'a symbolic link',
      (ova) => {
        const m = unpackedOva('link');
        rmSync(join(m, 'link-disk1.vmdk'));
        symlinkSync('/etc/hostname', join(m, 'link-disk1.vmdk'));
        tar(ova, ['-C', m, 'link.ovf', 'link-disk1.vmdk']);
      },
      /link-disk1\.vmdk -> \/etc\/hostname \(not a plain file\)/,
    ],
    [
      "a '..' member",
      (ova) => {
        const m = unpackedOva('dots');
        tar(ova, ['-C', m, '--transform', 's,^dots-disk,../dots-disk,', '-P', 'dots.ovf']);
        execFileSync('tar', [
          '-rf',
          ova,
          '-C',
          m,
          '-P',
          '--transform',
          's,^,../,',
          'dots-disk1.vmdk',
        ]);
      },
      /\.\.\/dots-disk1\.vmdk \(a '\.\.' component\)/,
    ],
    [
      'an absolute member',
      (ova) => {
        const m = unpackedOva('abs');
        tar(ova, ['-P', join(m, 'abs.ovf'), join(m, 'abs-disk1.vmdk')]);
      },
      /an absolute path/,
    ],
    [
      'no disk file',
      (ova) => tar(ova, ['-C', unpackedOva('nodisk'), 'nodisk.ovf']),
      /its disk nodisk-disk1\.vmdk is not a file of the package/,
    ],
    [
      'a disk reading a file of the host',
      (ova) => {
        const m = unpackedOva('extent');
        // A VMDK descriptor whose extent is a file of the host, not of the package.
        writeFileSync(
          join(m, 'extent-disk1.vmdk'),
          [
            '# Disk DescriptorFile',
            'version=1',
            'CID=fffffffe',
            'parentCID=ffffffff',
            'createType="monolithicFlat"',
            'RW 1 FLAT "/etc/hostname" 0',
            'ddb.virtualHWVersion = "4"',
            '',
          ].join('\n'),
        );
        tar(ova, ['-C', m, 'extent.ovf', 'extent-disk1.vmdk']);
      },
      /reads other files \(\/etc\/hostname\)/,
    ],
  ];
  for (const [what, make, why] of cases) {
    const pool = join(dir, `pool-${what.replace(/\W+/g, '-')}`);
    mkdirSync(pool);
    const ova = join(pool, 'x.ova');
    make(ova);
    const dest = join(pool, 'template-x.qcow2');
    await assert.rejects(convertOvaOnHost(local, ova, dest), (err: Error) => {
      assert.ok(err instanceof OvaRefusedError, `${what}: ${err.message}`);
      assert.match(err.message, why, what);
      return true;
    });
    assert.deepEqual(readdirSync(pool), [], `${what}: nothing left`);
  }
  assert.equal(existsSync('/etc/hostname'), true);
});

test('a tar listing: types and names; links and devices are refused', () => {
  const members = parseTarListing(
    [
      '-rw-r--r-- 0/0             691 2026-12-05 16:06:33 a b.ovf',
      'drwxr-xr-x 0/0               0 2026-12-05 16:08:32 ./',
      'crw-r--r-- 0/0             1,3 2026-12-05 16:08:32 ./nul',
      'lrwxrwxrwx 0/0               0 2026-12-05 16:08:32 ./l -> /etc/passwd',
      'hrw-r--r-- 0/0               0 2026-12-05 16:08:32 ./h link to ./a b.ovf',
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    members.map((m) => [m.type, m.path]),
    [
      ['0', 'a b.ovf'],
      ['5', './'],
      ['3', './nul'],
      ['2', './l -> /etc/passwd'],
      ['1', './h link to ./a b.ovf'],
    ],
  );
  assert.match(refusedMembers(members) ?? '', /^3 member\(s\)/);
  assert.equal(refusedMembers(members.slice(0, 2)), undefined);
  assert.throws(() => parseTarListing('tar: something odd\n'), /unexpected tar listing line/);
});

test("an OVF's first disk: its file and format; compressed or unknown ones are refused", () => {
  const ovf = (file: string, disk: string) =>
    `<Envelope xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"><References>${file}</References><DiskSection>${disk}</DiskSection></Envelope>`;
  const vmdk = 'http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized';
  assert.deepEqual(
    firstOvfDisk(
      ovf(
        '<File ovf:id="f0" ovf:href="other.iso"/><File ovf:id="f1" ovf:href="d.vmdk"/>',
        `<Disk ovf:fileRef="f1" ovf:format="${vmdk}"/><Disk ovf:fileRef="f0" ovf:format="${vmdk}"/>`,
      ),
    ),
    { href: 'd.vmdk', format: 'vmdk' },
  );
  assert.throws(
    () =>
      firstOvfDisk(
        ovf(
          '<File ovf:id="f1" ovf:href="d.vmdk" ovf:compression="gzip"/>',
          `<Disk ovf:fileRef="f1" ovf:format="${vmdk}"/>`,
        ),
      ),
    /compressed \(gzip\)/,
  );
  assert.throws(
    () =>
      firstOvfDisk(
        ovf('<File ovf:id="f1" ovf:href="d.x"/>', '<Disk ovf:fileRef="f1" ovf:format="x"/>'),
      ),
    /format qemu-img is not given/,
  );
  assert.throws(() => firstOvfDisk(ovf('', '')), /lists no disk/);
  assert.throws(() => firstOvfDisk('<html/>'), /not an OVF envelope/);
});
