// The provisioning dialog's cloud-init fields, apart from their looks: each checked with the same
// shared validation main applies (app/shared/validation/cloud-init.ts), so every bad value is
// shown at its field at once, and the settings provisionVm takes. The password is hashed only
// when the request is sent (password-hash.ts); it is never part of what is checked or kept.
import type { CloudInitInput } from '../../../shared/validation/cloud-init.js';
import { validateCloudInit } from '../../../shared/validation/cloud-init.js';
import { InvalidInputError } from '../../../shared/validation/names.js';

export interface CloudInitValues {
  hostname: string;
  user: string;
  /** One OpenSSH public key a line. */
  sshKeys: string;
  network: 'dhcp' | 'static';
  address: string;
  gateway: string;
  /** DNS servers separated by spaces or commas. */
  dns: string;
  userData: string;
}

export const EMPTY_CLOUD_INIT: CloudInitValues = {
  hostname: '',
  user: '',
  sshKeys: '',
  network: 'dhcp',
  address: '',
  gateway: '',
  dns: '',
  userData: '',
};

/** The form's field of each field the shared validation names in its errors. */
const FIELD_OF_ERROR: Record<string, keyof CloudInitValues | 'password'> = {
  hostname: 'hostname',
  user: 'user',
  ssh_key: 'sshKeys',
  password_hash: 'password',
  network: 'network',
  ip_address: 'address',
  gateway: 'gateway',
  dns: 'dns',
  user_data: 'userData',
};

/** Stands for the password's hash while checking: a valid hash, so only the user is checked. */
const HASH_STANDIN = '$6$standin$' + 'x'.repeat(86);

export interface CloudInitCheck {
  /** Messages by form field (`hostname`, `user`, `sshKeys`, `password`, `address` ...). */
  errors: Partial<Record<keyof CloudInitValues | 'password', string>>;
  /** What provisionVm takes, without the password hash (added when sending). */
  input: CloudInitInput;
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** The values as the contract's cloud-init input (empty fields left out). */
export function cloudInitInput(values: CloudInitValues): CloudInitInput {
  const dns = values.dns.split(/[\s,]+/).filter(Boolean);
  const keys = lines(values.sshKeys);
  return {
    ...(values.hostname.trim() ? { hostname: values.hostname.trim() } : {}),
    ...(values.user.trim() ? { user: values.user.trim() } : {}),
    ...(keys.length ? { sshAuthorizedKeys: keys } : {}),
    network:
      values.network === 'static'
        ? {
            mode: 'static',
            address: values.address.trim(),
            ...(values.gateway.trim() ? { gateway: values.gateway.trim() } : {}),
            ...(dns.length ? { dns } : {}),
          }
        : { mode: 'dhcp' },
    ...(values.userData.trim() ? { userData: values.userData } : {}),
  };
}

function messageOf(err: unknown, field: string): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
}

/** Checks every field on its own (so all bad ones show), then the whole (the user they need). */
export function checkCloudInit(values: CloudInitValues, hasPassword: boolean): CloudInitCheck {
  const input = cloudInitInput(values);
  const errors: CloudInitCheck['errors'] = {};
  const attempt = (request: Parameters<typeof validateCloudInit>[0]) => {
    try {
      validateCloudInit(request);
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      const field = FIELD_OF_ERROR[err.field] ?? 'userData';
      errors[field] ??= messageOf(err, err.field);
    }
  };
  const { network, ...rest } = input;
  const staticNet = network?.mode === 'static' && network.address ? network : null;
  if (network?.mode === 'static' && !network.address)
    errors.address = 'a static network needs an address with its prefix (10.0.0.5/24)';
  // Each part alone, a user given where a part needs one, so only that part's error shows.
  if (rest.hostname !== undefined) attempt({ hostname: rest.hostname });
  if (rest.user !== undefined) attempt({ user: rest.user });
  if (rest.sshAuthorizedKeys)
    attempt({ user: 'standin', sshAuthorizedKeys: rest.sshAuthorizedKeys });
  if (staticNet) {
    attempt({ network: { mode: 'static', address: staticNet.address! } });
    if (staticNet.gateway)
      attempt({ network: { mode: 'static', address: '10.0.0.1/8', gateway: staticNet.gateway } });
    for (const dns of staticNet.dns ?? [])
      attempt({ network: { mode: 'static', address: '10.0.0.1/8', dns: [dns] } });
  }
  if (rest.userData !== undefined) attempt({ userData: rest.userData });
  if (Object.keys(errors).length === 0)
    attempt({
      ...rest,
      network: staticNet
        ? { ...staticNet, mode: 'static', address: staticNet.address! }
        : { mode: 'dhcp' },
      ...(hasPassword ? { passwordHash: HASH_STANDIN } : {}),
    });
  return { errors, input };
}
