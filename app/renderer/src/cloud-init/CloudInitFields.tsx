// The provisioning dialog's cloud-init section, for appliances that run cloud-init: the guest's
// host name, a user with SSH public keys and/or a password (hashed before it is sent), DHCP or a
// static address, and the operator's own #cloud-config user-data. Errors come from
// checkCloudInit; the dialog decides when each is shown.
import { Field, RadioGroup } from '../common/Field.js';
import type { CloudInitValues } from './cloud-init-form.js';

export type CloudInitField = keyof CloudInitValues | 'password';

interface CloudInitFieldsProps {
  values: CloudInitValues;
  onChange: (field: keyof CloudInitValues, value: string) => void;
  /** Kept by the dialog alone, never in a store. */
  password: string;
  onPassword: (password: string) => void;
  error: (field: CloudInitField) => string | null;
  fieldId: (field: CloudInitField) => string;
}

const NETWORK_CHOICES = [
  ['dhcp', 'DHCP'],
  ['static', 'Static address'],
] as const;

export function CloudInitFields({
  values,
  onChange,
  password,
  onPassword,
  error,
  fieldId,
}: CloudInitFieldsProps) {
  const text = (
    field: keyof CloudInitValues,
    label: string,
    extra: { placeholder?: string; hint?: string; autoComplete?: string } = {},
  ) => (
    <Field label={label} id={fieldId(field)} error={error(field)} hint={extra.hint}>
      {(control) => (
        <input
          {...control}
          value={values[field]}
          placeholder={extra.placeholder}
          autoComplete={extra.autoComplete ?? 'off'}
          spellCheck={false}
          onChange={(e) => onChange(field, e.target.value)}
        />
      )}
    </Field>
  );
  const area = (
    field: 'sshKeys' | 'userData',
    label: string,
    placeholder: string,
    hint: string,
  ) => (
    <Field label={label} id={fieldId(field)} error={error(field)} hint={hint}>
      {(control) => (
        <textarea
          {...control}
          className="mono"
          rows={field === 'userData' ? 5 : 2}
          value={values[field]}
          placeholder={placeholder}
          spellCheck={false}
          onChange={(e) => onChange(field, e.target.value)}
        />
      )}
    </Field>
  );
  return (
    <fieldset className="field cloud-init-fields">
      <legend>cloud-init</legend>
      <div className="field-pair">
        {text('hostname', 'Guest host name', { placeholder: "the VM's name" })}
        {text('user', 'User name', {
          placeholder: 'none',
          hint: 'Created with passwordless sudo.',
        })}
      </div>
      {area(
        'sshKeys',
        'SSH public keys',
        'ssh-ed25519 AAAA… you@laptop',
        'One OpenSSH public key a line, for the user above.',
      )}
      <Field
        label="Password"
        id={fieldId('password')}
        error={error('password')}
        hint="Sent as a SHA-512 crypt hash only; never stored."
      >
        {(control) => (
          <input
            {...control}
            type="password"
            autoComplete="new-password"
            value={password}
            placeholder="none (SSH keys only)"
            onChange={(e) => onPassword(e.target.value)}
          />
        )}
      </Field>
      <RadioGroup
        legend="Network"
        options={NETWORK_CHOICES}
        value={values.network}
        onChange={(mode) => onChange('network', mode)}
      />
      {values.network === 'static' ? (
        <div className="option-grid">
          {text('address', 'IPv4 address/prefix', { placeholder: '10.0.0.5/24' })}
          {text('gateway', 'Gateway', { placeholder: 'none' })}
          {text('dns', 'DNS servers', { placeholder: '10.0.0.1, 9.9.9.9' })}
        </div>
      ) : null}
      {area(
        'userData',
        'User-data (#cloud-config)',
        '#cloud-config\npackages: [qemu-guest-agent]',
        'Optional YAML, merged under the fields above; checked before anything is sent.',
      )}
    </fieldset>
  );
}
