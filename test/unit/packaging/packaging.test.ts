// The pure parts of `npm run package`: template filling, the Node.js dependency, the rpm file list,
// the native modules shipped, and the window the installed `convirt` chooses.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chooseWindow, windowArgs } from '../../../packaging/launcher/open-window.js';
import { filesSection } from '../../../packaging/rpm.js';
import { runtimeModules } from '../../../packaging/stage.js';
import { fillTemplate, packageValues } from '../../../packaging/values.js';

const root = join(import.meta.dirname, '../../..');

test('templates are filled, and a placeholder without a value is an error', () => {
  assert.equal(fillTemplate('Version: @VERSION@', { VERSION: '1.2' }), 'Version: 1.2');
  assert.throws(() => fillTemplate('@NOPE@', {}), /no value for @NOPE@/);
});

test('packages depend on the Node.js major version that built their native modules', () => {
  const { fields } = packageValues(root, '22.11.0');
  assert.equal(fields.NODE_MAJOR, '22');
  assert.equal(fields.NODE_NEXT_MAJOR, '23');
});

test('the rpm file list keeps modes, owns only its folders and keeps an edited convirt.conf', () => {
  const files = filesSection([
    { path: 'etc/convirt.conf', type: 'file', mode: 0o644 },
    { path: 'usr/bin', type: 'dir', mode: 0o755 },
    { path: 'usr/bin/convirt', type: 'link', mode: 0o777 },
    { path: 'usr/share/convirt', type: 'dir', mode: 0o755 },
    { path: 'usr/share/convirt/image_store/x/provision.sh', type: 'file', mode: 0o744 },
  ]).split('\n');
  assert.deepEqual(files, [
    '%files',
    '%config(noreplace) %attr(0644,root,root) /etc/convirt.conf',
    '"/usr/bin/convirt"',
    '%dir %attr(0755,root,root) "/usr/share/convirt"',
    '%attr(0744,root,root) "/usr/share/convirt/image_store/x/provision.sh"',
  ]);
});

test('the shipped node_modules are the native modules and what they load at run time', () => {
  const modules = runtimeModules(join(root, 'node_modules'));
  for (const name of ['better-sqlite3', 'bindings', 'node-pty', 'ssh2', 'asn1', 'bcrypt-pbkdf']) {
    assert.ok(modules.includes(name), name);
  }
  assert.ok(!modules.includes('react'));
});

function fakePath(names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-window-'));
  for (const name of names) {
    writeFileSync(join(dir, name), '#!/bin/sh\n');
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

test('the window: Electron, else Chromium in app mode, else the default browser', () => {
  const script = join(fakePath([]), 'electron-window.cjs');
  writeFileSync(script, '');
  const all = fakePath(['electron', 'chromium', 'xdg-open']);
  assert.equal(chooseWindow(script, { PATH: all, DISPLAY: ':0' })?.kind, 'electron');
  assert.equal(
    chooseWindow(join(all, 'missing.cjs'), { PATH: all, DISPLAY: ':0' })?.kind,
    'chromium',
  );
  assert.equal(
    chooseWindow(script, { PATH: fakePath(['chromium-browser', 'xdg-open']), DISPLAY: ':0' })?.kind,
    'chromium',
  );
  assert.equal(
    chooseWindow(script, { PATH: fakePath(['xdg-open']), WAYLAND_DISPLAY: 'wayland-0' })?.kind,
    'browser',
  );
  assert.equal(chooseWindow(script, { PATH: fakePath([]), DISPLAY: ':0' }), undefined);
  assert.equal(chooseWindow(script, { PATH: all, CONVIRT_WINDOW: 'browser' })?.kind, 'browser');
  assert.equal(chooseWindow(script, { PATH: all, CONVIRT_WINDOW: 'none' }), undefined);
  assert.equal(chooseWindow(script, { PATH: all }), undefined, 'no display, no window');
});

test('Chromium gets its own profile and the page as an app window', () => {
  const choice = { kind: 'chromium' as const, command: '/usr/bin/chromium', description: '' };
  const args = windowArgs(choice, 'http://127.0.0.1:1/?token=t', {
    electronWindowScript: '/x.cjs',
    chromiumProfile: '/tmp/profile',
  });
  assert.ok(args.includes('--user-data-dir=/tmp/profile'));
  assert.equal(args.at(-1), '--app=http://127.0.0.1:1/?token=t');
});
