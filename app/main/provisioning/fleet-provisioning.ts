// The image store and provisioning over the fleet engine, as convirtctl and the app both use
// them: the stores of the data folder, the checksum cache kept there, the fleet's tasks and
// connections.
import { join } from 'node:path';
import type { FleetService } from '../fleet/fleet-service.js';
import { defaultImageStore, type ImageStore } from '../image-store/image-store.js';
import { ChecksumCache } from './checksums.js';
import {
  DEFAULT_HOST_PATHS,
  ProvisioningService,
  type HostPaths,
  type ProvisioningOptions,
} from './provisioning-service.js';

export interface FleetProvisioning {
  store: ImageStore;
  checksums: ChecksumCache;
  service: ProvisioningService;
}

export function fleetProvisioning(
  fleet: FleetService,
  dataDir: string,
  hostPaths: HostPaths = DEFAULT_HOST_PATHS,
  /** Templates and ISOs by URL as a source, and the storage pool each host puts them in. */
  templates: Pick<ProvisioningOptions, 'templates' | 'templatePool'> = {},
): FleetProvisioning {
  const store = defaultImageStore(dataDir);
  const checksums = new ChecksumCache(join(dataDir, 'image-checksums.json'));
  const service = new ProvisioningService({
    store,
    tasks: fleet.tasks,
    checksums,
    host: (name) => fleet.host(name),
    connect: (name) => fleet.connections.get(name),
    hostPaths,
    ...templates,
  });
  return { store, checksums, service };
}
