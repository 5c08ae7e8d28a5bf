// Templates and ISOs registered by URL as the UI sees them, the result of checking a URL, and the
// download certificates. HTTP header values are secrets: only their names leave main.
import type { Hypervisor } from './host.js';
import type { TemplateFormat } from '../validation/url-template.js';

export interface TemplatePoolCopy {
  /** The storage pool's identity (e.g. `host:pool`). */
  pool: string;
  path: string;
  size: number;
  downloadedBy: string;
  createdAt: string;
}

export interface TemplateView {
  name: string;
  format: TemplateFormat;
  url: string;
  /** `{ALGORITHM}HEX`, null when none is known. */
  checksum: string | null;
  os: string | null;
  hypervisor: Hypervisor;
  directDownload: boolean;
  downloadState: 'BYPASSED' | 'DOWNLOADED';
  state: 'Ready';
  size: number | null;
  /** A qcow2 image's virtual disk size, from its header; null for other formats or unknown. */
  virtualSize: number | null;
  clientCertificate: string | null;
  /** The names of the HTTP headers sent with each request; their values are never shown. */
  headerNames: string[];
  /** A metalink's candidate URLs, best first (empty for a plain URL). */
  mirrors: string[];
  createdAt: string;
  /** The storage pools already holding a copy. */
  pools: TemplatePoolCopy[];
  /** A disabled template cannot be provisioned from (an image list's first download is). */
  enabled: boolean;
  /** The server pools (group ids) whose hosts may use it; null: every pool. */
  serverPools: number[] | null;
}

export interface CandidateCheck {
  url: string;
  ok: boolean;
  /** HTTP status of the final response; 0 when no answer came. */
  status: number;
  size: number | null;
  error: string | null;
}

export interface UrlCheckView {
  /** The host the URL was checked from. */
  host: string;
  url: string;
  /** Every candidate URL (each of a metalink's), in the order tried. */
  candidates: CandidateCheck[];
  /** The first reachable candidate, null when none is. */
  reachable: string | null;
  /** A metalink's hashes (`{ALGORITHM}HEX`), null for a plain URL. */
  metalinkHashes: string[] | null;
}

export const CERTIFICATE_KINDS = ['ca', 'client'] as const;
export type CertificateKind = (typeof CERTIFICATE_KINDS)[number];

export interface CertificateInfo {
  name: string;
  kind: CertificateKind;
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
}

export interface CertificateUpload {
  name: string;
  kind: CertificateKind;
  pem: string;
  /** The client certificate's private key (PEM); never stored by ConVirt, only on the hosts. */
  keyPem?: string;
}

/** Hosts a certificate change could not reach (`host: reason` each); added hosts get it too. */
export interface CertificateChange {
  failed: string[];
}
