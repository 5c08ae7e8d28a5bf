import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkRootTarball } from '../../../app/main/provisioning/tarball-check.js';
import { InvalidInputError } from '../../../app/shared/validation/names.js';
import { tarArchive, tarGzArchive, type TarEntry } from '../../support/tar-archive.js';

const dir = mkdtempSync(join(tmpdir(), 'convirt-tarball-check-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const gz = (entries: TarEntry[]) => {
  const file = join(dir, `t${n++}.tar.gz`);
  writeFileSync(file, tarGzArchive(entries));
  return file;
};

const rootTree: TarEntry[] = [
  { path: './', type: '5' },
  { path: './bin/', type: '5' },
  { path: './bin/busybox', data: 'ELF' },
  { path: './bin/sh', type: '2', linkTarget: 'busybox' },
  { path: './etc/', type: '5' },
  // Absolute symlink targets are normal in a root tree: they resolve inside the guest.
  { path: './etc/localtime', type: '2', linkTarget: '/usr/share/zoneinfo/UTC' },
  { path: './dev/', type: '5' },
  { path: './dev/console', type: '3' },
  { path: './bin/ash', type: '1', linkTarget: './bin/busybox' },
  { path: './home/app/data.txt', data: 'x', uid: 1234, gid: 5678 },
];

test('a root tree passes: symlinks anywhere, devices in /dev, hard links inside', async () => {
  assert.equal(await checkRootTarball(gz(rootTree), 'tar_gz'), rootTree.length);
  const plain = join(dir, 'plain.tar');
  writeFileSync(plain, tarArchive(rootTree));
  assert.equal(await checkRootTarball(plain, 'tar'), rootTree.length);
});

const refusal = async (entries: TarEntry[], pattern: RegExp) =>
  assert.rejects(checkRootTarball(gz(entries), 'tar_gz'), (err: Error) => {
    assert.ok(err instanceof InvalidInputError, err.message);
    assert.match(err.message, pattern);
    assert.match(err.message, /Nothing was run on the host/);
    return true;
  });

test("a member with '..' is refused, named with the reason", () =>
  refusal(
    [...rootTree, { path: './etc/../../escape', data: 'x' }],
    /refused: 1 member\(s\) .*: \.\/etc\/\.\.\/\.\.\/escape \(a '\.\.' component\)/,
  ));

test('absolute paths, devices outside /dev, paths through its own symlinks, hard links out', async () => {
  await refusal([{ path: '/etc/passwd', data: 'x' }], /\/etc\/passwd \(an absolute path\)/);
  await refusal([{ path: 'root/sda', type: '4' }], /root\/sda \(a device file outside \/dev\)/);
  await refusal(
    [
      { path: 'etc', type: '2', linkTarget: '/etc' },
      { path: 'etc/shadow', data: 'x' },
    ],
    /etc\/shadow \(under etc, a symbolic link of the archive\)/,
  );
  await refusal(
    [{ path: 'x', type: '1', linkTarget: '../../etc/shadow' }],
    /x \(a hard link to \.\.\/\.\.\/etc\/shadow, outside the root\)/,
  );
});

test('more than five offending members: five named, the count given', () =>
  refusal(
    Array.from({ length: 7 }, (_, i) => ({ path: `../f${i}`, data: '' })),
    /7 member\(s\) .*\.\.\/f4 \(a '\.\.' component\), \.\.\.\. Nothing/,
  ));

test('long names (GNU and pax) are read whole', async () => {
  const tree = join(dir, 'tree');
  const long = join('a'.repeat(90), 'b'.repeat(90), 'c.txt');
  mkdirSync(join(tree, 'a'.repeat(90), 'b'.repeat(90)), { recursive: true });
  writeFileSync(join(tree, long), 'x');
  symlinkSync('/etc', join(tree, 'etclink'));
  for (const format of ['gnu', 'pax']) {
    const file = join(dir, `long-${format}.tar`);
    execFileSync('tar', ['-c', `--format=${format}`, '-f', file, '-C', tree, '.']);
    assert.equal(await checkRootTarball(file, 'tar'), 5, format);
  }
});

test('what is not a tar archive is refused as unreadable', async () => {
  const junk = join(dir, 'junk.tar.gz');
  writeFileSync(junk, 'not gzip at all');
  await assert.rejects(
    checkRootTarball(junk, 'tar_gz'),
    /junk\.tar\.gz cannot be read as a tar\.gz archive/,
  );
  const notTar = join(dir, 'not-tar.tar');
  writeFileSync(notTar, Buffer.alloc(1024, 1));
  await assert.rejects(checkRootTarball(notTar, 'tar'), /not a tar archive/);
});
