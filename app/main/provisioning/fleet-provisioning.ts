// The image store and provisioning over the fleet engine, as convirtctl and the app both use
// them: the stores convirt.conf names (and the operator's own in the data folder), the checksum
// cache in cache_dir, the fleet's tasks and connections.
import { join } from 'node:path';
import type { FleetService } from '../fleet/fleet-service.js';
import type { DriverSettings } from '../hypervisors/drivers.js';
import {
  configuredImageStore,
  type ImageStore,
  type StorePaths,
} from '../image-store/image-store.js';
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

/** Where provisioning reads and keeps its files, from convirt.conf. */
export interface ProvisioningPaths extends StorePaths {
  /** cache_dir: the image checksum cache goes there (made at its first write). */
  cacheDir: string;
}

export function fleetProvisioning(
  fleet: FleetService,
  dataDir: string,
  paths: ProvisioningPaths,
  drivers: DriverSettings,
  hostPaths: HostPaths = DEFAULT_HOST_PATHS,
  /** Templates and ISOs by URL as a source, and the storage pool each host puts them in. */
  templates: Pick<ProvisioningOptions, 'templates' | 'templatePool'> = {},
): FleetProvisioning {
  const store = configuredImageStore(paths, dataDir);
  const checksums = new ChecksumCache(join(paths.cacheDir, 'image-checksums.json'));
  const service = new ProvisioningService({
    store,
    tasks: fleet.tasks,
    checksums,
    host: (name) => fleet.host(name),
    connect: (name) => fleet.connections.get(name),
    drivers,
    hostPaths,
    ...templates,
  });
  return { store, checksums, service };
}
