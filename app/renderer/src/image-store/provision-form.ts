// The provisioning form's rules, apart from its looks: what a VM is provisioned from (an
// appliance of the image store, or a template or ISO registered by URL), values filled from its
// defaults, which hosts can take it, and every field checked with the same shared validation main
// applies, so a bad value is shown at its field before anything is sent.
import type {
  ApplianceInfo,
  ApplianceOption,
  HostView,
  TemplateView,
} from '../../../shared/contract/convirt-contract.js';
import type { Hypervisor } from '../../../shared/domain/host.js';
import { InvalidInputError, validateVmName } from '../../../shared/validation/names.js';
import { paramSpec, validateParam } from '../../../shared/validation/provision-params.js';
import {
  TEMPLATE_PARAMS,
  templateParamDefault,
  templatesProvision,
} from '../../../shared/validation/template-params.js';

export type OptionValues = Record<string, string>;

const HYPERVISOR_NAMES: Record<Hypervisor, string> = { kvm: 'KVM', xen: 'Xen' };

/** What the form provisions from, whichever kind it is. */
export interface ProvisionSource {
  kind: 'appliance' | 'template';
  name: string;
  title: string;
  hypervisors: Hypervisor[];
  /** Why it cannot be provisioned at all (an appliance not built), or null. */
  unavailable: string | null;
  /** A template's host downloads it itself: it must be connected. */
  needsConnectedHost: boolean;
  /** It runs cloud-init: the dialog offers its settings (an appliance that declares it). */
  cloudInit: boolean;
  options: ApplianceOption[];
}

export function applianceSource(appliance: ApplianceInfo): ProvisionSource {
  return {
    kind: 'appliance',
    name: appliance.name,
    title: appliance.title,
    hypervisors: appliance.hypervisors,
    unavailable: appliance.missing.length
      ? `${appliance.title} is not built: ${appliance.missing.join(', ')} missing.`
      : null,
    needsConnectedHost: false,
    cloudInit: appliance.cloudInit,
    options: appliance.options,
  };
}

/** A template's VM takes the parameters main's template provisioning accepts, nothing else. */
export function templateSource(template: TemplateView): ProvisionSource {
  return {
    kind: 'template',
    name: template.name,
    title: template.name,
    hypervisors: [template.hypervisor],
    // As main's templateParams: templates by URL are defined through libvirt.
    unavailable: templatesProvision(template.hypervisor)
      ? null
      : `${template.name} is a ${HYPERVISOR_NAMES[template.hypervisor]} template: templates by URL provision KVM hosts only.`,
    needsConnectedHost: true,
    cloudInit: false,
    options: TEMPLATE_PARAMS.map((key): ApplianceOption => {
      const spec = paramSpec(key);
      return {
        key,
        ...spec,
        // A template has one disk: the image's (grown to this size), or an ISO's empty disk.
        label: key === 'vda_disk_size' ? 'Disk size' : spec.label,
        default: templateParamDefault(template.format, key),
      };
    }),
  };
}

/** Each option's default; empty where the host or the image decides. */
export function defaultValues(source: Pick<ProvisionSource, 'options'>): OptionValues {
  return Object.fromEntries(source.options.map((o) => [o.key, o.default ?? '']));
}

/** Why the host cannot take the source, or null when it can. */
export function hostRefusal(
  source: Pick<ProvisionSource, 'title' | 'hypervisors'> & { needsConnectedHost?: boolean },
  host: Pick<HostView, 'name' | 'hypervisor'> & { status?: HostView['status'] },
): string | null {
  if (!source.hypervisors.includes(host.hypervisor)) {
    const wanted = source.hypervisors.map((h) => HYPERVISOR_NAMES[h]).join(' or ');
    return `${source.title} provisions ${wanted} hosts only; ${host.name} is a ${HYPERVISOR_NAMES[host.hypervisor]} host.`;
  }
  if (source.needsConnectedHost && host.status !== undefined && host.status !== 'connected')
    return `${host.name} is not connected: it downloads ${source.title} itself, so it must be up.`;
  return null;
}

export interface FormCheck {
  /** Messages by field: `source`, `host`, `name` or an option's key. */
  errors: Record<string, string>;
  /** What provisioning gets: every option except those left empty for the host to decide. */
  params: OptionValues;
}

/** The message without the `key: ` prefix the shared validation puts first. */
function fieldMessage(err: unknown, key: string): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith(`${key}: `) ? message.slice(key.length + 2) : message;
}

export function checkProvisionForm(
  source: ProvisionSource,
  host: (Pick<HostView, 'name' | 'hypervisor'> & { status?: HostView['status'] }) | undefined,
  name: string,
  values: OptionValues,
): FormCheck {
  const errors: Record<string, string> = {};
  const params: OptionValues = {};
  if (source.unavailable) errors.source = source.unavailable;
  if (!host) errors.host = 'Choose a host.';
  else {
    const refusal = hostRefusal(source, host);
    if (refusal) errors.host = refusal;
  }
  try {
    validateVmName(name);
  } catch (err) {
    errors.name = err instanceof InvalidInputError ? err.message : String(err);
  }
  for (const option of source.options) {
    const value = (values[option.key] ?? '').trim();
    if (value === '' && option.default === null) continue;
    try {
      params[option.key] = validateParam(option.key, value);
    } catch (err) {
      errors[option.key] = fieldMessage(err, option.key);
    }
  }
  return { errors, params };
}
