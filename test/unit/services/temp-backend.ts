// A ConvirtBackend over a temporary inventory, with no hosts and polling that never fires on
// its own (tests add hosts after attaching, so nothing connects anywhere).
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ConsoleManager } from '../../../app/main/consoles/console-manager.js';
import { fleetUrlTemplates } from '../../../app/main/templates/fleet-url-templates.js';
import { FleetService } from '../../../app/main/fleet/fleet-service.js';
import type { Inventory } from '../../../app/main/inventory/index.js';
import { fleetProvisioning } from '../../../app/main/provisioning/fleet-provisioning.js';
import { ConvirtBackend } from '../../../app/main/services/convirt-service.js';
import { SecretRequests } from '../../../app/main/services/secret-requests.js';
import { SshSecrets } from '../../../app/main/secrets/ssh-secrets.js';
import { HostKeyTrust } from '../../../app/main/ssh/host-key-trust.js';
import { tempDir, tempInventory } from '../inventory/temp-inventory.js';

export function tempBackend(
  t: TestContext,
  makeConsoles: (fleet: FleetService) => ConsoleManager = (fleet) =>
    new ConsoleManager({ fleet, localTerminal: false }),
): { backend: ConvirtBackend; inventory: Inventory } {
  const dir = tempDir(t);
  const inventory = tempInventory(t, { dataDir: dir });
  const secrets = new SecretRequests();
  const sshSecrets = new SshSecrets({ ask: secrets.askSsh });
  const fleet = new FleetService({
    inventory,
    trust: new HostKeyTrust({ userKnownHostsFiles: [], convirtStoreFile: join(dir, 'kh') }),
    prompts: sshSecrets.prompts,
  });
  const templates = fleetUrlTemplates(fleet, inventory, dir, { connectedOnly: true });
  const backend = new ConvirtBackend({
    fleet,
    inventory,
    consoles: makeConsoles(fleet),
    provisioning: fleetProvisioning(fleet, dir, undefined, { templates }),
    templates,
    secrets,
    sshSecrets,
    mode: 'browser',
    version: 'test',
    localTerminal: false,
    pollIntervalMs: 3_600_000,
    fastPollIntervalMs: 3_600_000,
  });
  t.after(() => {
    backend.dispose();
    fleet.close();
  });
  return { backend, inventory };
}
