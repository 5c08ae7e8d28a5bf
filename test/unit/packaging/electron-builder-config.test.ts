// The bundled-Electron packages cannot be built here (Electron's binary and headers are
// downloaded from outside the registries), so their configuration is checked as electron-builder
// itself checks it, and against the layout and hooks the distribution packages use.
import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { ELECTRON_BUILDER_CONFIG, failedDownload } from '../../../packaging/electron.js';
import { NATIVE_MODULES } from '../../../packaging/native-modules.js';

const root = join(import.meta.dirname, '../../..');
const require = createRequire(join(root, 'package.json'));

interface FileSet {
  from: string;
  to: string;
}
interface Config {
  files: (string | FileSet)[];
  extraResources: FileSet[];
  asarUnpack: string[];
  npmRebuild: boolean;
  linux: { target: string[]; executableName: string; icon: string };
  deb: { packageName: string; depends: string[]; afterInstall: string; afterRemove: string };
  rpm: { packageName: string; depends: string[]; afterInstall: string; afterRemove: string };
}
const config = JSON.parse(readFileSync(ELECTRON_BUILDER_CONFIG, 'utf8')) as Config;

test("electron-builder's own schema accepts the configuration", async () => {
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
    validateConfiguration: (config: unknown, logger: unknown) => Promise<void>;
  };
  const { DebugLogger } = require('builder-util/out/DebugLogger.js') as {
    DebugLogger: new (enabled: boolean) => unknown;
  };
  await validateConfiguration(config, new DebugLogger(false));
  await assert.rejects(
    validateConfiguration(
      { ...config, linux: { ...config.linux, notAnOption: 1 } },
      new DebugLogger(false),
    ),
    /does not match the API schema/,
  );
});

test('it builds the deb, rpm and AppImage of a package named convirt', () => {
  assert.deepEqual(config.linux.target, ['deb', 'rpm', 'AppImage']);
  assert.equal(config.linux.executableName, 'convirt');
  assert.equal(config.deb.packageName, 'convirt');
  assert.equal(config.rpm.packageName, 'convirt');
  assert.ok(existsSync(join(root, config.linux.icon)));
});

test('native modules are rebuilt for Electron and unpacked from the archive', () => {
  assert.equal(config.npmRebuild, true);
  for (const name of NATIVE_MODULES.filter((m) => m !== 'ssh2')) {
    assert.ok(config.asarUnpack.includes(`node_modules/${name}/**`), name);
  }
});

test('the hooks are the layout scripts, executable, with the shared after-install work', () => {
  for (const target of [config.deb, config.rpm]) {
    for (const hook of [target.afterInstall, target.afterRemove]) {
      accessSync(join(root, hook), constants.X_OK);
    }
  }
  assert.match(
    readFileSync(join(root, config.deb.afterInstall), 'utf8'),
    /convirt-setup" configure|convirt-setup configure/,
  );
  const resources = new Map(config.extraResources.map((r) => [r.to, r.from]));
  assert.equal(resources.get('lib/convirt-setup'), 'packaging/hooks/convirt-setup.sh');
  assert.equal(resources.get('image_store'), 'image_store');
  assert.equal(resources.get('appliance_store'), 'appliance_store');
  for (const { from } of config.extraResources) assert.ok(existsSync(join(root, from)), from);
});

test("each package names its distribution's SSH client", () => {
  assert.ok(config.deb.depends.includes('openssh-client'));
  assert.ok(config.rpm.depends.includes('openssh-clients'));
});

test("a failed download is named by its URL, or Electron's archive when only a host is named", () => {
  const electron = { version: '45.4.1', platform: 'linux-x64' };
  const zip =
    'https://github.com/electron/electron/releases/download/v45.4.1/electron-v45.4.1-linux-x64.zip';
  const named = [
    '  • electron-builder  version=26.18.1 os=6.1.0',
    '  • see https://www.electron.build/cli for help',
    `  ⨯ Get "${zip}": dial tcp: lookup github.com: no such host`,
  ].join('\n');
  assert.equal(failedDownload(named, electron), zip);
  const hostOnly = [
    '  • packaging       platform=linux arch=x64 electron=45.4.1 appOutDir=dist/packages/electron/linux-unpacked',
    '  ⨯ getaddrinfo ENOTFOUND github.com  failedTask=build stackTrace=RequestError: getaddrinfo ENOTFOUND github.com',
  ].join('\n');
  assert.equal(
    failedDownload(hostOnly, electron),
    `Electron 45.4.1 for linux-x64, ${zip} (getaddrinfo ENOTFOUND github.com)`,
  );
  assert.equal(failedDownload('  • building target=deb', electron), undefined);
});
