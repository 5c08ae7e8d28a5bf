// Image-list subscriptions as the UI and convirtctl see them (docs/image-lists.md): what each
// subscription trusts and holds, and its images with the template of each one's current version.

export interface ImageListSubscriptionView {
  name: string;
  url: string;
  /** The trusted CAs: a PEM file or an OpenSSL hashed-name folder; null for unsigned lists. */
  trustCaFile: string | null;
  trustCaDir: string | null;
  endorserDn: string | null;
  allowUnsigned: boolean;
  /** Header names only; their values stay in the secret store. */
  headerNames: string[];
  /** Of the last list accepted; null before the first. */
  identifier: string | null;
  title: string | null;
  version: string | null;
  listCreated: string | null;
  listExpires: string | null;
  /** The signer of the last list accepted; null for an unsigned one. */
  endorser: string | null;
  state: 'new' | 'current' | 'expired';
  lastCheckedAt: string | null;
  /** Why the last update was refused or failed; null when it went through. */
  lastError: string | null;
  createdAt: string;
}

export interface ImageListImageView {
  identifier: string;
  title: string | null;
  version: string;
  uri: string;
  size: number;
  sha512: string;
  hypervisor: string | null;
  format: string | null;
  os: string | null;
  osVersion: string | null;
  arch: string | null;
  expires: string | null;
  state: 'available' | 'expired' | 'unusable';
  /** The template holding its current version, and whether it may be provisioned from. */
  template: string | null;
  enabled: boolean | null;
  note: string | null;
}

export interface ImageListUpdateView {
  subscription: string;
  version: string;
  registered: string[];
  rotated: string[];
  expired: string[];
  unchanged: string[];
  problems: { identifier: string; reason: string }[];
}
