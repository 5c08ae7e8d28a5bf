// The defaults: the shipped image store found from the sources, the bundle, the installed layout
// or a packaged app's resources; per-user folders; never a test-bed path.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findProgramRoot, type ConfigValues } from '../../../app/main/config/index.js';
import { configFixture } from './fixture.js';

const repository = join(import.meta.dirname, '../../..');

test("the program root is the folder of ConVirt's package.json, from the sources and from dist/", () => {
  assert.equal(findProgramRoot(join(repository, 'app/main/config')), repository);
  assert.equal(findProgramRoot(join(repository, 'dist/main')), repository);
  assert.equal(findProgramRoot('/'), null);
});

test("a source checkout's defaults: its own image_store/, the rest per user", () => {
  const f = configFixture();
  const { values, settings } = f.load({ defaults: { program: { root: repository } } });
  assert.equal(values.image_store, join(repository, 'image_store'));
  assert.equal(values.cache_dir, join(f.home, '.cache', 'convirt'));
  assert.equal(values.appliance_store, join(f.home, '.cache', 'convirt', 'appliance_store'));
  assert.equal(values.log_dir, join(f.home, '.local', 'state', 'convirt', 'log'));
  assert.deepEqual(settings.image_store.source, {
    kind: 'default',
    why: "the program's own image_store/",
  });
});

test('the installed layout: /var/cache/convirt/{image_store,appliance_store}', () => {
  const f = configFixture();
  mkdirSync(join(f.installedRoot, 'image_store'), { recursive: true });
  const { values } = f.load();
  assert.equal(values.image_store, join(f.installedRoot, 'image_store'));
  assert.equal(values.appliance_store, join(f.installedRoot, 'appliance_store'));
  // Writable per-user folders stay per user: a user cannot write /var/cache/convirt.
  assert.equal(values.cache_dir, join(f.home, '.cache', 'convirt'));
});

test("a packaged app that was not installed uses its resources' image store; installed wins over it", () => {
  const f = configFixture();
  const resourcesPath = join(f.root, 'resources');
  mkdirSync(join(resourcesPath, 'image_store'), { recursive: true });
  const program = { root: join(resourcesPath, 'app.asar'), resourcesPath };
  const packaged = f.load({ defaults: { program } }).values;
  assert.equal(packaged.image_store, join(resourcesPath, 'image_store'));
  assert.equal(packaged.appliance_store, join(f.home, '.cache', 'convirt', 'appliance_store'));
  mkdirSync(join(f.installedRoot, 'image_store'), { recursive: true });
  assert.equal(
    f.load({ defaults: { program } }).values.image_store,
    join(f.installedRoot, 'image_store'),
  );
});

test('nothing found: the installed paths, which the image store then reports missing', () => {
  const f = configFixture();
  assert.equal(f.load().values.image_store, join(f.installedRoot, 'image_store'));
});

test('XDG folders are honoured when absolute, ignored when relative; appliance_store follows cache_dir', () => {
  const f = configFixture();
  const env = { XDG_CACHE_HOME: '/xdg/cache', XDG_STATE_HOME: 'relative/state' };
  const defaults = { program: { root: repository } };
  const { values } = f.load({ env, defaults });
  assert.equal(values.cache_dir, '/xdg/cache/convirt');
  assert.equal(values.log_dir, join(f.home, '.local', 'state', 'convirt', 'log'));
  f.write(f.systemFile, '[PATHS]\ncache_dir = /srv/convirt-cache\n');
  assert.equal(
    f.load({ env, defaults }).values.appliance_store,
    '/srv/convirt-cache/appliance_store',
  );
});

test('the built-in defaults of the host-side and client keys', () => {
  const { values } = configFixture().load();
  const expected: Partial<ConfigValues> = {
    exec_path: '$PATH:/usr/local/sbin:/usr/sbin:/sbin',
    snapshots_dir: '/var/lib/convirt/snapshots',
    xenconf_dir: '/etc/xen',
    default_ssh_port: 22,
    http_proxy: null,
    default_bridge_kvm: 'br0',
    default_bridge_xen: 'xenbr0',
    html_browser: 'xdg-open',
    imagelist_event_handler: null,
  };
  for (const [key, value] of Object.entries(expected))
    assert.equal(values[key as keyof ConfigValues], value, key);
});

test('no default names a test-bed path, however ConVirt is laid out', () => {
  const f = configFixture();
  const resourcesPath = join(f.root, 'resources');
  mkdirSync(join(resourcesPath, 'image_store'), { recursive: true });
  const layouts = [
    { root: repository },
    { root: f.programRoot },
    { root: null, resourcesPath },
    { root: join(repository, 'test') },
  ];
  for (const program of layouts) {
    for (const installedRoot of ['/var/cache/convirt', f.installedRoot]) {
      const { settings } = f.load({ defaults: { program, installedRoot } });
      for (const [key, { value }] of Object.entries(settings)) {
        const text = String(value);
        assert.doesNotMatch(text, /convirt-testbed/, `${key} = ${text}`);
        assert.ok(!text.startsWith(join(repository, 'test')), `${key} = ${text}`);
        assert.doesNotMatch(text, /\/test\/(bed|unit|integration|e2e)\b/, `${key} = ${text}`);
      }
    }
  }
});
