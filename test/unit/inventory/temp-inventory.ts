// A fresh inventory in a temporary data folder, removed when the test ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Inventory, type Clock, type TaskOwner } from '../../../app/main/inventory/index.js';

export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-inventory-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A process whose tasks are `id`'s, and which sees `alive` as the only live process. */
export function fakeOwner(id: string, alive: readonly string[] = [id]): TaskOwner {
  return { id, isAlive: (owner) => alive.includes(owner) };
}

/** A clock that starts at a fixed time and moves one second each time it is read. */
export function steppingClock(start = Date.parse('2025-01-01T00:00:00Z')): Clock {
  let now = start;
  return () => new Date((now += 1000));
}

export function tempInventory(
  t: TestContext,
  options: { dataDir?: string; actor?: string; clock?: Clock; owner?: TaskOwner } = {},
): Inventory {
  const inventory = Inventory.open({
    dataDir: options.dataDir ?? tempDir(t),
    actor: options.actor ?? 'tester',
    clock: options.clock ?? steppingClock(),
    ...(options.owner ? { owner: options.owner } : {}),
  });
  t.after(() => inventory.close());
  return inventory;
}
