// Whether a host has an appliance's images: each file's place in the host's image cache, found
// there (path and size) by one read-only command, the survey provisioning runs first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImageStore, REPOSITORY_STORE } from '../../../app/main/image-store/image-store.js';
import { applianceImageStatus } from '../../../app/main/provisioning/appliance-provision-run.js';
import { ChecksumCache } from '../../../app/main/provisioning/checksums.js';
import type { RemoteShell } from '../../../app/main/ssh/ssh-connection.js';
import type { Host } from '../../../app/shared/domain/inventory.js';

const CACHE = '/var/lib/libvirt/images/convirt-cache';

/** A host whose survey finds `present` (each with its size); records the commands. */
function surveyedHost(present: (files: string[]) => string[]) {
  const ran: string[][] = [];
  const shell = {
    target: 'web1',
    run: (argv: string[]) => {
      ran.push(argv);
      const files = argv.slice(argv.indexOf(CACHE) + 2);
      return Promise.resolve(
        ['bridges br0', 'virt kvm', ...present(files).map((f) => `exists 1000 ${f}`)].join('\n'),
      );
    },
  } as unknown as RemoteShell;
  return {
    ran,
    options: { checksums: new ChecksumCache(), connect: () => Promise.resolve(shell) },
  };
}

const host = { name: 'web1', hypervisor: 'kvm', useSudo: true } as Host;
const store = new ImageStore({ stores: [REPOSITORY_STORE], artifactDirs: [] });
const cloud = store.get('debian-genericcloud');

test('a cloud image by URL not in the cache yet, then in it', async () => {
  const absent = surveyedHost(() => []);
  const before = await applianceImageStatus(absent.options, host, cloud, CACHE);
  assert.equal(before.length, 1);
  assert.match(before[0]!.source, /^https:\/\/cloud\.debian\.org\/.*genericcloud.*\.qcow2$/);
  assert.match(
    before[0]!.cachedPath,
    /^\/var\/lib\/libvirt\/images\/convirt-cache\/url-[0-9a-f]{32}-debian-12/,
  );
  assert.equal(before[0]!.present, false);
  // One command, run with sudo, the cached path an argument of it (never spliced into the script).
  assert.equal(absent.ran.length, 1);
  assert.deepEqual(absent.ran[0]!.slice(0, 3), ['sudo', '-n', 'sh']);
  assert.equal(absent.ran[0]!.at(-1), before[0]!.cachedPath);

  const after = await applianceImageStatus(surveyedHost((f) => f).options, host, cloud, CACHE);
  assert.deepEqual(after, [{ ...before[0]!, present: true }]);
});
