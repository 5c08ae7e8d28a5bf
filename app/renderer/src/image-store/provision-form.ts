// The provisioning form's rules, apart from its looks: values filled from the appliance's
// defaults, which hosts can take an appliance, and every field checked with the same shared
// validation main applies, so a bad value is shown at its field before anything is sent.
import type { ApplianceInfo, HostView } from '../../../shared/contract/convirt-contract.js';
import type { Hypervisor } from '../../../shared/domain/host.js';
import { InvalidInputError, validateVmName } from '../../../shared/validation/names.js';
import { validateParam } from '../../../shared/validation/provision-params.js';

export type OptionValues = Record<string, string>;

const HYPERVISOR_NAMES: Record<Hypervisor, string> = { kvm: 'KVM', xen: 'Xen' };

/** Each option's default; empty where the host or the image decides. */
export function defaultValues(appliance: ApplianceInfo): OptionValues {
  return Object.fromEntries(appliance.options.map((o) => [o.key, o.default ?? '']));
}

/** Why the host cannot take the appliance, or null when it can. */
export function hostRefusal(
  appliance: Pick<ApplianceInfo, 'title' | 'hypervisors'>,
  host: Pick<HostView, 'name' | 'hypervisor'>,
): string | null {
  if (appliance.hypervisors.includes(host.hypervisor)) return null;
  const wanted = appliance.hypervisors.map((h) => HYPERVISOR_NAMES[h]).join(' or ');
  return `${appliance.title} provisions ${wanted} hosts only; ${host.name} is a ${HYPERVISOR_NAMES[host.hypervisor]} host.`;
}

export interface FormCheck {
  /** Messages by field: `appliance`, `host`, `name` or an option's key. */
  errors: Record<string, string>;
  /** What provisionVm gets: every option except those left empty for the host to decide. */
  params: OptionValues;
}

/** The message without the `key: ` prefix the shared validation puts first. */
function fieldMessage(err: unknown, key: string): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith(`${key}: `) ? message.slice(key.length + 2) : message;
}

export function checkProvisionForm(
  appliance: ApplianceInfo,
  host: Pick<HostView, 'name' | 'hypervisor'> | undefined,
  name: string,
  values: OptionValues,
): FormCheck {
  const errors: Record<string, string> = {};
  const params: OptionValues = {};
  if (appliance.missing.length) {
    errors.appliance = `${appliance.title} is not built: ${appliance.missing.join(', ')} missing.`;
  }
  if (!host) errors.host = 'Choose a host.';
  else {
    const refusal = hostRefusal(appliance, host);
    if (refusal) errors.host = refusal;
  }
  try {
    validateVmName(name);
  } catch (err) {
    errors.name = err instanceof InvalidInputError ? err.message : String(err);
  }
  for (const option of appliance.options) {
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
