// A fresh inventory in a temporary data folder, removed when the test ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Inventory, type Clock } from '../../../app/main/inventory/index.js';

export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-inventory-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A clock that starts at a fixed time and moves one second each time it is read. */
export function steppingClock(start = Date.parse('2025-01-01T00:00:00Z')): Clock {
  let now = start;
  return () => new Date((now += 1000));
}

export function tempInventory(
  t: TestContext,
  options: { dataDir?: string; actor?: string; clock?: Clock } = {},
): Inventory {
  const inventory = Inventory.open({
    dataDir: options.dataDir ?? tempDir(t),
    actor: options.actor ?? 'tester',
    clock: options.clock ?? steppingClock(),
  });
  t.after(() => inventory.close());
  return inventory;
}
