// On a machine with no convirt.conf, a new HOME and a new data folder, convirtctl's image store
// and appliance folder are the program's own and the user's: never the test bed's (whose built
// appliance files may well exist on this machine).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ConfigInfo } from '../../../app/main/config/index.js';
import { ImageStore, REPOSITORY_STORE } from '../../../app/main/image-store/image-store.js';
import { convirtctlRunner } from '../../support/convirtctl-runner.js';

const dir = mkdtempSync(join(tmpdir(), 'convirt-clean-machine-'));
const home = join(dir, 'home');
mkdirSync(home);
after(() => rmSync(dir, { recursive: true, force: true }));

const ctl = convirtctlRunner({
  home,
  dataDir: join(dir, 'data'),
  // No convirt.conf, and no per-user folders of the user running the tests.
  env: {
    CONVIRT_CONFIG: '/dev/null',
    XDG_CACHE_HOME: undefined,
    XDG_STATE_HOME: undefined,
  },
});

const TEST_BED_PATH = /convirt-testbed|\/test\//;

test('a clean machine: the shipped image store, built files under the user cache, no test-bed path', async () => {
  const shown = await ctl(['config', 'show', '--json']);
  assert.equal(shown.code, 0, shown.stderr);
  const info = JSON.parse(shown.stdout) as ConfigInfo;
  const value = (key: string) => info.settings.find((s) => s.key === key)?.value;
  const imageStore = value('image_store');
  const applianceStore = value('appliance_store');
  assert.equal(imageStore, REPOSITORY_STORE);
  assert.equal(applianceStore, join(home, '.cache', 'convirt', 'appliance_store'));
  for (const path of [imageStore, applianceStore]) assert.doesNotMatch(String(path), TEST_BED_PATH);

  const listed = await ctl(['appliance', 'list', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  const appliances = JSON.parse(listed.stdout) as { name: string; built: boolean }[];
  const shipped = new ImageStore({ stores: [REPOSITORY_STORE], artifactDirs: [] }).list();
  assert.deepEqual(
    appliances.map((a) => a.name),
    shipped.map((a) => a.name),
  );
  // Its disk images are built by the test bed only, so nothing here finds them.
  assert.equal(appliances.find((a) => a.name === 'tiny-linux')?.built, false);
});
