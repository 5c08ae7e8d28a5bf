// What a VM provisioned from a cloud image may be given through cloud-init's NoCloud seed: its
// host name, a user with SSH keys and/or a password hash (never a password), its network (DHCP or
// static) and the operator's own user-data. The same checks run in the provisioning dialog, in
// convirtctl and in main, before anything runs on a host.
import { CORE_SCHEMA, load } from 'js-yaml';
import { InvalidInputError } from './names.js';
import { validateParam } from './provision-params.js';

export type CloudInitNetwork =
  { mode: 'dhcp' } | { mode: 'static'; address: string; gateway?: string; dns?: string[] };

export interface CloudInitRequest {
  /** The guest's host name; the VM's name when not given. */
  hostname?: string;
  /** A user cloud-init creates, with passwordless sudo. */
  user?: string;
  sshAuthorizedKeys?: string[];
  /** A crypt(3) hash (`$6$...`, `$5$...`, `$y$...`): the password itself never reaches ConVirt. */
  passwordHash?: string;
  network?: CloudInitNetwork;
  /** `#cloud-config` YAML of the operator's, merged under the fields above. */
  userData?: string;
}

/** The same settings as they come over the contract: a network whose address may be missing. */
export interface CloudInitInput extends Omit<CloudInitRequest, 'network'> {
  network?: { mode: 'dhcp' | 'static'; address?: string; gateway?: string; dns?: string[] };
}

/** The contract's cloud-init input as the request type (a static network needs its address). */
export function cloudInitRequest(input: CloudInitInput): CloudInitRequest {
  const { network, ...rest } = input;
  const request: CloudInitRequest = Object.fromEntries(
    Object.entries(rest).filter(([, v]) => v !== undefined),
  );
  if (network?.mode === 'static') {
    if (!network.address)
      throw new InvalidInputError('ip_address', 'ip_address: a static network needs an address.');
    request.network = {
      mode: 'static',
      address: network.address,
      ...(network.gateway ? { gateway: network.gateway } : {}),
      ...(network.dns ? { dns: network.dns } : {}),
    };
  } else if (network) request.network = { mode: 'dhcp' };
  return request;
}

const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const SSH_KEY =
  // eslint-disable-next-line no-control-regex -- a comment may be any text but control characters
  /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\0-\x1f\x7f]{0,200})?$/;
const PASSWORD_HASH = /^\$(1|5|6|2[aby]|y|gy|7)\$[./A-Za-z0-9$=,-]{8,400}$/;
const USER_DATA_MAX = 64 * 1024;

function refuse(field: string, message: string): never {
  throw new InvalidInputError(field, `${field}: ${message}`);
}

/** The operator's user-data as a mapping: `#cloud-config` on its first line, then valid YAML. */
export function parseUserData(text: string): Record<string, unknown> {
  if (text.length > USER_DATA_MAX) refuse('user_data', `longer than ${USER_DATA_MAX} bytes`);
  if (!/^#cloud-config[ \t]*\r?\n/.test(`${text}\n`))
    refuse('user_data', 'must start with a #cloud-config line');
  let value: unknown;
  try {
    value = load(text, { schema: CORE_SCHEMA, filename: 'user-data' });
  } catch (err) {
    refuse('user_data', `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    refuse('user_data', 'must be a YAML mapping (key: value lines)');
  return value as Record<string, unknown>;
}

/** Checks every field; returns the request with normalized values. Throws InvalidInputError. */
export function validateCloudInit(request: CloudInitRequest): CloudInitRequest {
  const out: CloudInitRequest = {};
  if (request.hostname !== undefined)
    out.hostname = validateParam('hostname', request.hostname.trim());
  if (request.user !== undefined) {
    if (!USER.test(request.user))
      refuse('user', `${JSON.stringify(request.user)} is not a valid user name`);
    out.user = request.user;
  }
  const keys = (request.sshAuthorizedKeys ?? []).map((k) => k.trim()).filter(Boolean);
  if (keys.length > 32) refuse('ssh_key', 'at most 32 keys');
  for (const key of keys)
    if (!SSH_KEY.test(key)) refuse('ssh_key', 'not an OpenSSH public key (type, base64, comment)');
  if (keys.length) out.sshAuthorizedKeys = keys;
  if (request.passwordHash !== undefined && request.passwordHash !== '') {
    if (!PASSWORD_HASH.test(request.passwordHash))
      refuse(
        'password_hash',
        'expected a crypt(3) hash such as the output of `openssl passwd -6`, never the password itself',
      );
    out.passwordHash = request.passwordHash;
  }
  if ((out.sshAuthorizedKeys || out.passwordHash) && !out.user)
    refuse('user', 'a user name is needed for the SSH keys and the password hash');
  const net = request.network;
  if (net?.mode === 'static') {
    const dns = (net.dns ?? []).map((d) => validateParam('dns', d.trim()));
    out.network = {
      mode: 'static',
      address: validateParam('ip_address', net.address.trim()),
      ...(net.gateway ? { gateway: validateParam('gateway', net.gateway.trim()) } : {}),
      ...(dns.length ? { dns } : {}),
    };
  } else if (net?.mode === 'dhcp') out.network = { mode: 'dhcp' };
  else if (net !== undefined) refuse('network', 'expected dhcp or static');
  if (request.userData !== undefined && request.userData.trim() !== '') {
    parseUserData(request.userData);
    out.userData = request.userData;
  }
  return out;
}
