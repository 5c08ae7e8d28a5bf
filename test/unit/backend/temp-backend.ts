// A ConvirtBackend over a temporary data folder (openConvirt, as every front end starts), with no
// hosts and polling that never fires on its own (tests add hosts after attaching, so nothing
// connects anywhere).
import type { TestContext } from 'node:test';
import type { ConsoleManager } from '../../../app/main/consoles/console-manager.js';
import type { FleetService } from '../../../app/main/fleet/fleet-service.js';
import type { Inventory } from '../../../app/main/inventory/index.js';
import type { ConvirtBackend } from '../../../app/main/backend/convirt-backend.js';
import { openConvirt } from '../../../app/main/backend/open-convirt.js';
import { loadConfig } from '../../../app/main/config/index.js';
import { tempDir } from '../inventory/temp-inventory.js';

export function tempBackend(
  t: TestContext,
  makeConsoles?: (fleet: FleetService) => ConsoleManager,
  /** The convirt.conf it reads; the defaults alone otherwise. */
  configFile?: string,
): { backend: ConvirtBackend; inventory: Inventory } {
  const dir = tempDir(t);
  const convirt = openConvirt({
    dataDir: dir,
    ...(configFile ? { config: loadConfig({ flag: configFile }) } : {}),
    // No ~/.ssh/config of the user running the tests.
    home: dir,
    mode: 'browser',
    version: 'test',
    localTerminal: false,
    polling: { pollIntervalMs: 3_600_000, fastPollIntervalMs: 3_600_000 },
    ...(makeConsoles ? { consoles: makeConsoles } : {}),
  });
  t.after(() => convirt.close());
  return { backend: convirt.backend, inventory: convirt.inventory };
}
