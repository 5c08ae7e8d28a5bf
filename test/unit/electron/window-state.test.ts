// The window comes back where it was, unless that place is off every screen; the menu keeps the
// standard edit roles (copy and paste in the page).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { appMenuTemplate } from '../../../app/main/electron/app-menu.js';
import {
  DEFAULT_SIZE,
  readWindowState,
  restoreWindowState,
  writeWindowState,
} from '../../../app/main/electron/window-state.js';

const screen = { x: 0, y: 0, width: 1920, height: 1080 };

test('saved bounds on a screen are restored, clamped to it', () => {
  const bounds = { x: 100, y: 50, width: 1000, height: 700 };
  assert.deepEqual(restoreWindowState({ bounds, maximized: true }, [screen]), {
    ...bounds,
    maximized: true,
  });
  assert.deepEqual(
    restoreWindowState({ bounds: { x: 10, y: 10, width: 5000, height: 100 } }, [screen]),
    { x: 10, y: 10, width: 1920, height: 400, maximized: false },
  );
});

test('bounds off every screen, or damaged, fall back to the default size', () => {
  const offScreen = { bounds: { x: 3000, y: 0, width: 800, height: 600 } };
  assert.deepEqual(restoreWindowState(offScreen, [screen]), { ...DEFAULT_SIZE, maximized: false });
  for (const damaged of [null, 'x', { bounds: { x: 'a' } }, { bounds: null }]) {
    assert.deepEqual(restoreWindowState(damaged, [screen]), { ...DEFAULT_SIZE, maximized: false });
  }
});

test('the state file round-trips, and a missing or broken one reads as null', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-window-'));
  try {
    const file = join(dir, 'window-state.json');
    assert.equal(readWindowState(file), null);
    const state = { bounds: { x: 1, y: 2, width: 900, height: 600 }, maximized: false };
    writeWindowState(file, state);
    assert.deepEqual(readWindowState(file), state);
    writeFileSync(file, '{');
    assert.equal(readWindowState(file), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the application menu has the standard edit, view and window menus', () => {
  const roles = (platform: NodeJS.Platform) =>
    appMenuTemplate(platform).map((item) => item.role ?? item.label);
  assert.deepEqual(roles('linux'), ['fileMenu', 'editMenu', 'View', 'windowMenu']);
  assert.deepEqual(roles('darwin'), ['appMenu', 'fileMenu', 'editMenu', 'View', 'windowMenu']);
});
