// Which storage pool a host's templates go into, from what the operator asked: the host's own
// disks folder by default, or a folder on storage the hosts of its server pool share.
import type { Host } from '../../shared/domain/inventory.js';
import { InvalidInputError, validateHostPath } from '../../shared/validation/names.js';
import type { Inventory } from '../inventory/index.js';
import { driverKind } from '../hypervisors/drivers.js';
import type { TemplatePool } from './template-provisioning.js';

const SHARED_POOL_NAME = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The storage pool templates go into on `host`: its own folder (`HOST:DIR`, only it reaches it),
 * or with `shared` a folder on storage the hosts of its server pool share (same hypervisor),
 * which are tried in turn when its download fails.
 */
export function sharedTemplatePool(
  inventory: Inventory,
  host: Host,
  dir = driverKind(host.hypervisor).provisioning.disksDir,
  shared?: string,
): TemplatePool {
  validateHostPath(dir);
  if (shared === undefined) return { pool: `${host.name}:${dir}`, dir, hosts: [host.name] };
  if (!SHARED_POOL_NAME.test(shared)) {
    throw new InvalidInputError(
      'shared-pool',
      `Invalid shared pool name ${JSON.stringify(shared)}.`,
    );
  }
  const others = inventory.hosts
    .list()
    .filter(
      (h) => h.name !== host.name && h.groupId === host.groupId && h.hypervisor === host.hypervisor,
    )
    .map((h) => h.name);
  return { pool: shared, dir, hosts: [host.name, ...others] };
}
