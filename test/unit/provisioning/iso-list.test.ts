import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoFolderUsage, listHostIsos } from '../../../app/main/provisioning/iso-upload.js';
import type { RemoteShell } from '../../../app/main/ssh/ssh-connection.js';

/** A host whose ISO folder lists `listing` (find's `SIZE NAME` lines); records the commands. */
function hostListing(listing: string): { shell: RemoteShell; ran: string[][] } {
  const ran: string[][] = [];
  const shell = {
    run: (argv: string[]) => {
      ran.push(argv);
      return Promise.resolve(listing);
    },
  } as unknown as RemoteShell;
  return { shell, ran };
}

test('the uploaded ISOs: complete .iso files only, sorted; the usage counts every file', async () => {
  const { shell, ran } = hostListing(
    '1048576 debian-12.iso\n2097152 alpine.iso\n524288 big.iso.part\n10 notes.txt\n',
  );
  const listed = await listHostIsos(shell, { dir: '/srv/iso', quotaMiB: 20 }, ['sudo', '-n']);
  assert.deepEqual(listed, {
    dir: '/srv/iso',
    quotaMiB: 20,
    usedBytes: 1048576 + 2097152 + 524288 + 10,
    isos: [
      { name: 'alpine.iso', sizeBytes: 2097152, path: '/srv/iso/alpine.iso' },
      { name: 'debian-12.iso', sizeBytes: 1048576, path: '/srv/iso/debian-12.iso' },
    ],
  });
  // One read-only command, the folder passed as an argument (never spliced into the script).
  assert.equal(ran.length, 1);
  assert.deepEqual(ran[0]!.slice(0, 3), ['sudo', '-n', 'sh']);
  assert.equal(ran[0]!.at(-1), '/srv/iso');
  assert.equal(await isoFolderUsage(hostListing('').shell, '/srv/iso'), 0);
});
