// The parameters a VM from a template or ISO registered by URL takes, and what they default to:
// main checks a request against them (template-provisioning.ts), the provisioning form offers them.
import type { Hypervisor } from '../domain/host.js';
import type { TemplateFormat } from './url-template.js';

/**
 * Whether templates by URL provision hosts of this hypervisor: KVM through libvirt only (a Xen
 * dom0 has no qemu-img, and the download runs as the login user, without sudo).
 */
export function templatesProvision(hypervisor: Hypervisor): boolean {
  return hypervisor === 'kvm';
}

/** Parameters a template's VM takes (all optional); anything else is refused. */
export const TEMPLATE_PARAMS = ['memory', 'vcpus', 'vda_disk_size', 'bridge', 'mac'] as const;

/** The empty disk an ISO's VM gets when vda_disk_size is not given. */
export const ISO_DISK_MIB = 8192;

/** What a template's VM gets for the parameters left out. */
export const TEMPLATE_DEFAULTS = { memory: '512', vcpus: '1' } as const;

/** Each parameter's default as the form shows it; null where the host or the image decides. */
export function templateParamDefault(
  format: TemplateFormat,
  key: (typeof TEMPLATE_PARAMS)[number],
): string | null {
  if (key === 'memory' || key === 'vcpus') return TEMPLATE_DEFAULTS[key];
  if (key === 'vda_disk_size' && format === 'iso') return String(ISO_DISK_MIB);
  return null;
}
