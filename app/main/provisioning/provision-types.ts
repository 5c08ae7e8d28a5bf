// The provisioning request and its result, and where provisioning puts files on hosts: shared by
// the service that checks requests and the tasks that carry them out.
import type { CloudInitRequest } from '../../shared/validation/cloud-init.js';
import { driverKind } from '../hypervisors/drivers.js';

/** The VM's source: an appliance of the image store, or a template or ISO registered by URL. */
export type ProvisionSource =
  { appliance: string; template?: undefined } | { template: string; appliance?: undefined };

export type ProvisionRequest = ProvisionSource & {
  host: string;
  name: string;
  params?: Readonly<Record<string, string>>;
  start?: boolean;
  /** A NoCloud seed for an appliance that declares cloud-init support (validated). */
  cloudInit?: CloudInitRequest;
};

export interface ProvisionResult {
  name: string;
  disks: string[];
  started: boolean;
}

export interface HostPaths {
  /** Verified images kept on the host, named by checksum, reused by later provisionings. */
  imageCache: string;
  /** Where the VMs' disks go; image.conf's VM_DISKS_DIR when not set. */
  disks?: string;
}

/** The hypervisor's own folders (each host takes its driver's: see provisioningDirs). */
export const DEFAULT_HOST_PATHS: HostPaths = {
  imageCache: driverKind('kvm').provisioning.imageCache,
};
