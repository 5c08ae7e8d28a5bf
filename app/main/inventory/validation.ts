// Checks for what the inventory stores. Values may come from the page over IPC, so enum-typed
// fields are checked at run time too. Host names follow the VM name rule
// (app/shared/validation/names.ts) but get their own message, and refuse '.' and '..', which
// would make odd 'host/vm' targets.
import { isAbsolute } from 'node:path';
import { HYPERVISORS, type Hypervisor } from '../../shared/domain/host.js';
import { InvalidInputError, NAME_RULE } from '../../shared/validation/names.js';

// A DNS name or IPv4 address, or a bare IPv6 address with an optional zone (fe80::1%eth0).
const ADDRESS =
  /^(?:[A-Za-z0-9_][A-Za-z0-9._-]{0,252}|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(?:%[A-Za-z0-9_.-]+)?)$/;
const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$/;
const LIBVIRT_URI = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\0-\x20\x7f]{0,1000}$/;
// What sha256Fingerprint() in app/main/ssh/host-key.ts produces.
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\0-\x1f\x7f]/;
const TASK_KIND = /^[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)*$/;

function invalid(field: string, message: string): never {
  throw new InvalidInputError(field, message);
}

/** Host names follow NAME_RULE, except `.` and `..`. */
export function validateHostName(name: string): string {
  if (typeof name !== 'string' || !NAME_RULE.test(name) || name === '.' || name === '..') {
    invalid(
      'name',
      `Invalid host name ${JSON.stringify(name)}: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '-'.`,
    );
  }
  return name;
}

export function validateAddress(address: string): string {
  if (typeof address !== 'string' || !ADDRESS.test(address)) {
    invalid(
      'address',
      `Invalid address ${JSON.stringify(address)}: give a host name, an IPv4 address or an IPv6 address without brackets.`,
    );
  }
  return address;
}

export function validateUsername(username: string): string {
  if (typeof username !== 'string' || !USERNAME.test(username)) {
    invalid(
      'username',
      `Invalid user name ${JSON.stringify(username)}: use 1 to 64 letters, digits, '.', '_', '@' or '-', not starting with '-' or '.'.`,
    );
  }
  return username;
}

export function validateHypervisor(hypervisor: string): Hypervisor {
  if (!(HYPERVISORS as readonly string[]).includes(hypervisor)) {
    invalid('hypervisor', `Invalid hypervisor ${JSON.stringify(hypervisor)}: use kvm or xen.`);
  }
  return hypervisor as Hypervisor;
}

export function validateLibvirtUri(uri: string): string {
  if (typeof uri !== 'string' || !LIBVIRT_URI.test(uri)) {
    invalid(
      'libvirtUri',
      `Invalid libvirt URI ${JSON.stringify(uri)}: expected something like qemu:///system, without spaces.`,
    );
  }
  return uri;
}

/** A key file on this machine: absolute, or under the home folder (`~/...`). */
export function validateIdentityFile(path: string): string {
  const ok =
    typeof path === 'string' &&
    path.length <= 4096 &&
    !CONTROL.test(path) &&
    (isAbsolute(path) || path.startsWith('~/'));
  if (!ok) {
    invalid(
      'identityFile',
      `Invalid identity file ${JSON.stringify(path)}: give an absolute path or one starting with ~/.`,
    );
  }
  return path;
}

export function validateFingerprint(fingerprint: string): string {
  if (typeof fingerprint !== 'string' || !FINGERPRINT.test(fingerprint)) {
    invalid(
      'hostKeyFingerprint',
      `Invalid host key fingerprint ${JSON.stringify(fingerprint)}: expected SHA256: and 43 base64 characters, as ssh-keygen -l prints.`,
    );
  }
  return fingerprint;
}

/** One of `allowed`, for enum-typed fields. */
export function validateOneOf<T extends string>(
  field: string,
  value: string,
  allowed: readonly T[],
): T {
  if (!(allowed as readonly string[]).includes(value)) {
    invalid(field, `Invalid ${field} ${JSON.stringify(value)}: use one of ${allowed.join(', ')}.`);
  }
  return value as T;
}

/**
 * Free text shown in a list (group names, tags, audit actions): trimmed, 1 to `max`
 * characters, no control characters; `forbidden` lists characters with a meaning of their own.
 */
export function validateLabel(field: string, value: string, max = 64, forbidden = ''): string {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  const bad =
    trimmed.length === 0 ||
    trimmed.length > max ||
    CONTROL.test(trimmed) ||
    [...forbidden].some((c) => trimmed.includes(c));
  if (bad) {
    const extra = forbidden ? `, and without ${[...forbidden].map((c) => `'${c}'`).join(' ')}` : '';
    invalid(
      field,
      `Invalid ${field} ${JSON.stringify(value)}: use 1 to ${max} characters, no control characters${extra}.`,
    );
  }
  return trimmed;
}

/** Task kinds: dotted lower-case words, e.g. 'vm.start'. */
export function validateTaskKind(kind: string): string {
  if (typeof kind !== 'string' || kind.length > 64 || !TASK_KIND.test(kind)) {
    invalid('kind', `Invalid task kind ${JSON.stringify(kind)}: use dotted words like vm.start.`);
  }
  return kind;
}

/** A positive whole number of rows. */
export function validateLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) {
    invalid('limit', `Invalid limit ${JSON.stringify(limit)}: use a whole number above 0.`);
  }
  return limit;
}
