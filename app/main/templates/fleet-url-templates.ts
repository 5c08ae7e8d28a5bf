// UrlTemplateService over the fleet: the inventory's records and hosts, the fleet's connections,
// the data folder's image store and trust store. One assembly for convirtctl and the UI.
import { join } from 'node:path';
import type { FleetService } from '../fleet/fleet-service.js';
import type { Inventory } from '../inventory/index.js';
import { UrlTemplateRecords } from './template-records.js';
import { UrlTemplateService } from './url-template-service.js';

export interface FleetUrlTemplatesOptions {
  /**
   * Check URLs only from hosts whose connection is up (the UI, where polling keeps them up);
   * otherwise any host of the inventory, connected on demand (convirtctl).
   */
  connectedOnly?: boolean;
  /** ConVirt's trust store on the hosts; `~/.convirt/certs` of the login by default. */
  hostTrustDir?: string;
  /** convirt.conf's http_proxy, for the downloads into the local image store. */
  httpProxy?: string | null;
}

export function fleetUrlTemplates(
  fleet: FleetService,
  inventory: Inventory,
  dataDir: string,
  options: FleetUrlTemplatesOptions = {},
): UrlTemplateService {
  return new UrlTemplateService({
    records: new UrlTemplateRecords(inventory.db),
    hosts: (hv) =>
      inventory.hosts
        .list()
        .filter((h) => !hv || h.hypervisor === hv)
        .map((h) => h.name)
        .filter((name) => !options.connectedOnly || fleet.connections.isConnected(name)),
    connect: (name) => fleet.connections.get(name),
    storeDir: join(dataDir, 'url-templates'),
    localTrustDir: join(dataDir, 'certs'),
    ...(options.hostTrustDir ? { hostTrustDir: options.hostTrustDir } : {}),
    ...(options.httpProxy ? { httpProxy: options.httpProxy } : {}),
  });
}
