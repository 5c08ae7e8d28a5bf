// The test bed's Debian cloud image published where the shipped debian-genericcloud appliance's
// URL points, through a mirror in the operator's own image_store.conf (the shipped URL and
// image.conf unchanged): the image and its SHA512SUMS served by the bed's nginx.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConf } from '../../app/main/image-store/conf-file.js';
import { REPOSITORY_STORE } from '../../app/main/image-store/image-store.js';
import type { TestbedInfo } from '../bed/testbed.js';

export const DEBIAN_CLOUD_APPLIANCE = 'debian-genericcloud';
const SHIPPED_PREFIX = 'https://cloud.debian.org/images/cloud/';

/**
 * Serves the built image at the shipped URL's path on the bed's nginx and points ConVirt's data
 * folder `dataDir` at it; returns the image's file name.
 */
export function publishCloudImage(bed: TestbedInfo, dataDir: string): string {
  const cloud = bed.cloudImage;
  if (!cloud) throw new Error('the test bed built no cloud image (test/run.ts selects it by name)');
  const conf = parseConf(
    readFileSync(join(REPOSITORY_STORE, DEBIAN_CLOUD_APPLIANCE, 'image.conf'), 'utf8'),
  );
  const url = conf.get('vda_image_src')!;
  assert.ok(url.startsWith(SHIPPED_PREFIX), url);
  const path = url.slice(SHIPPED_PREFIX.length);
  const dir = join(bed.downloads.dir, 'www', 'debian-cloud', path, '..');
  mkdirSync(dir, { recursive: true });
  const name = path.split('/').pop()!;
  // Another test of the same bed may have published it already.
  rmSync(join(dir, name), { force: true });
  symlinkSync(cloud.image, join(dir, name));
  writeFileSync(join(dir, 'SHA512SUMS'), `${cloud.sha512}  ${name}\n`);
  const store = join(dataDir, 'image_store');
  mkdirSync(store, { recursive: true });
  writeFileSync(
    join(store, 'image_store.conf'),
    `mirrors = ${SHIPPED_PREFIX} ${bed.downloads.http}/debian-cloud/\n`,
  );
  return name;
}

/** How many requests for the image or its checksum file the bed's nginx has served. */
export function cloudImageRequests(bed: TestbedInfo, name: string): number {
  return readFileSync(join(bed.downloads.dir, 'access.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes(`GET /debian-cloud/`) && (l.includes(name) || l.includes('SUMS')))
    .length;
}
