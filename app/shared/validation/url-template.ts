// What registering a template or ISO by URL accepts, checked the same way by the register dialog,
// the contract's argument schemas, convirtctl and main, before any command runs on a host.
import { HYPERVISORS, type Hypervisor } from '../domain/host.js';
import {
  parseChecksum,
  parseHttpHeader,
  validateDownloadUrl,
  type Checksum,
  type HttpHeader,
} from './download-source.js';
import { FILE_NAME_RULE, InvalidInputError, validateVmName } from './names.js';

export const TEMPLATE_FORMATS = ['qcow2', 'raw', 'iso'] as const;
export type TemplateFormat = (typeof TEMPLATE_FORMATS)[number];
/**
 * What the URL serves when it is not the image itself: an OVA, whose first disk the host that
 * downloads it converts into the template's qcow2.
 */
export const TEMPLATE_CONTAINERS = ['ova'] as const;
export type TemplateContainer = (typeof TEMPLATE_CONTAINERS)[number];

export interface RegisterRequest {
  name: string;
  url: string;
  format?: TemplateFormat;
  /** The URL serves an OVA holding the image (format qcow2 only). */
  container?: TemplateContainer;
  /** `{ALGORITHM}HEX`; may be left out for a metalink that carries hashes. */
  checksum?: string;
  os?: string;
  hypervisor?: Hypervisor;
  /** `NAME:VALUE` each. */
  headers?: string[];
  directDownload?: boolean;
  clientCertificate?: string;
}

/** A registration whose every field passed its check, parsed. */
export interface ValidRegistration {
  name: string;
  url: string;
  format: TemplateFormat;
  container?: TemplateContainer;
  checksum?: Checksum;
  os?: string;
  hypervisor: Hypervisor;
  headers: HttpHeader[];
  directDownload: boolean;
  clientCertificate?: string;
}

export function validateTemplateFormat(format: string): TemplateFormat {
  const known = TEMPLATE_FORMATS.find((f) => f === format);
  if (!known) {
    throw new InvalidInputError('format', `The format must be qcow2, raw or iso, not ${format}.`);
  }
  return known;
}

/** A container holds a disk that becomes a qcow2: the template's format must be qcow2. */
export function validateTemplateContainer(
  container: string,
  format: TemplateFormat,
): TemplateContainer {
  const known = TEMPLATE_CONTAINERS.find((c) => c === container);
  if (!known)
    throw new InvalidInputError('container', `The container must be ova, not ${container}.`);
  if (format !== 'qcow2')
    throw new InvalidInputError(
      'container',
      `An ${known.toUpperCase()}'s disk is converted to qcow2: the format must be qcow2, not ${format}.`,
    );
  return known;
}

export function validateTemplateHypervisor(hypervisor: string): Hypervisor {
  const known = HYPERVISORS.find((h) => h === hypervisor);
  if (!known) throw new InvalidInputError('hypervisor', 'The hypervisor must be kvm or xen.');
  return known;
}

/** A free-form OS name, e.g. `Debian 12`. */
export function validateTemplateOs(os: string): string {
  if (!/^[A-Za-z0-9._ -]{1,64}$/.test(os)) {
    throw new InvalidInputError(
      'os',
      `Invalid OS name ${JSON.stringify(os)}: 1 to 64 letters, digits, spaces, '.', '_' or '-'.`,
    );
  }
  return os;
}

export function validateCertificateName(name: string): string {
  if (!FILE_NAME_RULE.test(name)) {
    throw new InvalidInputError(
      'name',
      `Invalid certificate name ${JSON.stringify(name)}: 1 to 64 letters, digits, '.', '_' or '-'.`,
    );
  }
  return name;
}

/** Template and ISO names follow the VM name rule (they name files on the hosts). */
export function validateTemplateName(name: string): string {
  try {
    return validateVmName(name);
  } catch {
    throw new InvalidInputError(
      'name',
      `Invalid name ${JSON.stringify(name)}: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '-'.`,
    );
  }
}

/** Every field of a registration checked (the first bad one throws, naming its field). */
export function validateRegistration(r: RegisterRequest): ValidRegistration {
  validateTemplateName(r.name);
  validateDownloadUrl(r.url);
  const format = validateTemplateFormat(r.format ?? 'qcow2');
  const container =
    r.container === undefined ? undefined : validateTemplateContainer(r.container, format);
  const hypervisor = validateTemplateHypervisor(r.hypervisor ?? 'kvm');
  const checksum = r.checksum === undefined ? undefined : parseChecksum(r.checksum);
  const headers = (r.headers ?? []).map(parseHttpHeader);
  const os = r.os === undefined ? undefined : validateTemplateOs(r.os);
  if (r.clientCertificate !== undefined) validateCertificateName(r.clientCertificate);
  return {
    name: r.name,
    url: r.url,
    format,
    ...(container ? { container } : {}),
    ...(checksum ? { checksum } : {}),
    ...(os ? { os } : {}),
    hypervisor,
    headers,
    directDownload: r.directDownload === true,
    ...(r.clientCertificate !== undefined ? { clientCertificate: r.clientCertificate } : {}),
  };
}
