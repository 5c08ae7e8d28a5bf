// An appliance as the contract describes it to the UI: title, plain-text description, hosts it
// provisions, size and the options the operator may change with their defaults.
import type { ApplianceInfo, ApplianceOption } from '../../shared/contract/convirt-contract.js';
import { paramSpec } from '../../shared/validation/provision-params.js';
import { readApplianceDescription } from './description.js';
import type { Appliance } from './image-store.js';
import { FALLBACK_DEFAULTS } from './parameters.js';

export function applianceInfo(appliance: Appliance, isDefault: boolean): ApplianceInfo {
  const description = readApplianceDescription(appliance.dir);
  const options = appliance.customizable.map((key): ApplianceOption => {
    const { type, label, min, max, unit } = paramSpec(key);
    return {
      key,
      label,
      type,
      default: appliance.conf.get(key) ?? FALLBACK_DEFAULTS[key] ?? null,
      ...(min === undefined ? {} : { min }),
      ...(max === undefined ? {} : { max }),
      ...(unit === undefined ? {} : { unit }),
    };
  });
  return {
    name: appliance.name,
    title: description?.title ?? appliance.name,
    summary: appliance.description,
    description: description?.paragraphs ?? [],
    os: appliance.os,
    // ProvisioningService takes an xl template to Xen hosts only, a libvirt one to KVM hosts only.
    hypervisors: [appliance.templateKind === 'xl' ? 'xen' : 'kvm'],
    sizeBytes: appliance.sizeBytes,
    missing: appliance.missing,
    isDefault,
    cloudInit: appliance.cloudInit,
    options,
  };
}
