// The inventory's side of image-list subscriptions (migration 4): each subscription, what it
// trusts, the last list it accepted, and that list's images with the template holding each one's
// current version. Header values (credentials, often) live in the secret store, as templates' do.
import { parseHttpHeader, type HttpHeader } from '../../shared/validation/download-source.js';
import { isoNow, systemClock, type Clock } from '../inventory/clock.js';
import type { Db } from '../inventory/database.js';
import { ConflictError } from '../inventory/errors.js';
import type { SecretVault } from '../secrets/vault.js';
import { storeHeaderValue, unlocked, vaultBeside } from '../templates/template-secrets.js';
import type { ImageList, ImageListImage } from './hepix.js';
import type { TrustAnchors } from './signature.js';

export type SubscriptionState = 'new' | 'current' | 'expired';
export type ImageState = 'available' | 'expired' | 'unusable';

export interface Subscription {
  name: string;
  url: string;
  trust?: TrustAnchors;
  endorserDn?: string;
  allowUnsigned: boolean;
  headerNames: string[];
  /** Of the last list accepted. */
  identifier?: string;
  title?: string;
  version?: string;
  listCreated?: string;
  listExpires?: string;
  /** The list's signer (hv:dn), or none for an unsigned list. */
  endorser?: string;
  state: SubscriptionState;
  lastCheckedAt?: string;
  lastError?: string;
  createdAt: string;
}

export interface NewSubscription {
  name: string;
  url: string;
  trust?: TrustAnchors;
  endorserDn?: string;
  allowUnsigned: boolean;
  headers: HttpHeader[];
}

export interface SubscribedImage {
  identifier: string;
  title?: string;
  version: string;
  uri: string;
  size: number;
  sha512: string;
  hypervisor?: string;
  format?: string;
  os?: string;
  osVersion?: string;
  arch?: string;
  expires?: string;
  state: ImageState;
  /** The template holding its current version; none once expired, or before it is registered. */
  template?: string;
  /** Why it is unusable, or what went wrong with its last registration. */
  note?: string;
  updatedAt: string;
}

interface SubscriptionRow {
  id: number;
  name: string;
  url: string;
  trust_ca_file: string | null;
  trust_ca_dir: string | null;
  endorser_dn: string | null;
  allow_unsigned: number;
  headers: string;
  identifier: string | null;
  title: string | null;
  version: string | null;
  list_created: string | null;
  list_expires: string | null;
  endorser: string | null;
  state: SubscriptionState;
  last_checked_at: string | null;
  last_error: string | null;
  created_at: string;
}

interface ImageRow {
  identifier: string;
  title: string | null;
  version: string;
  uri: string;
  size: number;
  sha512: string;
  hypervisor: string | null;
  format: string | null;
  os: string | null;
  os_version: string | null;
  arch: string | null;
  expires: string | null;
  state: ImageState;
  template: string | null;
  note: string | null;
  updated_at: string;
}

/** Only the keys whose value is not null, renamed. */
function present<T extends object>(pairs: Record<string, unknown>): Partial<T> {
  return Object.fromEntries(Object.entries(pairs).filter(([, v]) => v !== null)) as Partial<T>;
}

const headerRefs = (row: SubscriptionRow) => JSON.parse(row.headers) as string[];

function toSubscription(row: SubscriptionRow): Subscription {
  const trust: TrustAnchors | undefined = row.trust_ca_file
    ? { caFile: row.trust_ca_file }
    : row.trust_ca_dir
      ? { caDir: row.trust_ca_dir }
      : undefined;
  return {
    name: row.name,
    url: row.url,
    ...(trust ? { trust } : {}),
    allowUnsigned: row.allow_unsigned === 1,
    headerNames: headerRefs(row).map((ref) => parseHttpHeader(ref).name),
    state: row.state,
    createdAt: row.created_at,
    ...present<Subscription>({
      endorserDn: row.endorser_dn,
      identifier: row.identifier,
      title: row.title,
      version: row.version,
      listCreated: row.list_created,
      listExpires: row.list_expires,
      endorser: row.endorser,
      lastCheckedAt: row.last_checked_at,
      lastError: row.last_error,
    }),
  };
}

function toImage(row: ImageRow): SubscribedImage {
  return {
    identifier: row.identifier,
    version: row.version,
    uri: row.uri,
    size: row.size,
    sha512: row.sha512,
    state: row.state,
    updatedAt: row.updated_at,
    ...present<SubscribedImage>({
      title: row.title,
      hypervisor: row.hypervisor,
      format: row.format,
      os: row.os,
      osVersion: row.os_version,
      arch: row.arch,
      expires: row.expires,
      template: row.template,
      note: row.note,
    }),
  };
}

export class SubscriptionStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
    private readonly vault: SecretVault | undefined = vaultBeside(db),
  ) {}

  add(s: NewSubscription): Subscription {
    if (this.find(s.name)) {
      throw new ConflictError(`A subscription named ${s.name} already exists.`);
    }
    const refs = s.headers.map((h) =>
      storeHeaderValue(unlocked(this.vault), `image list ${s.name}`, h),
    );
    this.db
      .prepare(
        `INSERT INTO image_list_subscriptions (name, url, trust_ca_file, trust_ca_dir, endorser_dn,
           allow_unsigned, headers, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'new', ?)`,
      )
      .run(
        s.name,
        s.url,
        s.trust && 'caFile' in s.trust ? s.trust.caFile : null,
        s.trust && 'caDir' in s.trust ? s.trust.caDir : null,
        s.endorserDn ?? null,
        s.allowUnsigned ? 1 : 0,
        JSON.stringify(refs),
        isoNow(this.clock),
      );
    return this.get(s.name);
  }

  find(name: string): Subscription | undefined {
    const row = this.row(name);
    return row && toSubscription(row);
  }

  get(name: string): Subscription {
    const s = this.find(name);
    if (!s) throw new Error(`No image-list subscription named ${JSON.stringify(name)}.`);
    return s;
  }

  list(): Subscription[] {
    return this.db
      .prepare<[], SubscriptionRow>('SELECT * FROM image_list_subscriptions ORDER BY name')
      .all()
      .map(toSubscription);
  }

  /** Forgets the subscription and its images (the templates stay: VMs may use them). */
  remove(name: string): boolean {
    const row = this.row(name);
    if (!row) return false;
    const refs = headerRefs(row);
    this.db.prepare('DELETE FROM image_list_subscriptions WHERE id = ?').run(row.id);
    if (refs.length) unlocked(this.vault).delete(...refs.map((r) => parseHttpHeader(r).value));
    return true;
  }

  /** The subscription's HTTP headers with their values (the secret store must be unlocked). */
  headers(name: string): HttpHeader[] {
    const row = this.row(name);
    if (!row) return [];
    return headerRefs(row).map((ref) => {
      const h = parseHttpHeader(ref);
      const value = unlocked(this.vault).get(h.value);
      if (value === undefined) {
        throw new Error(
          `The value of the HTTP header ${h.name} of ${name} is missing from the secret store; subscribe again.`,
        );
      }
      return { name: h.name, value };
    });
  }

  /** When the list was last fetched, and what went wrong (undefined: nothing). */
  recordCheck(name: string, error?: string): void {
    this.db
      .prepare(
        'UPDATE image_list_subscriptions SET last_checked_at = ?, last_error = ? WHERE name = ?',
      )
      .run(isoNow(this.clock), error ?? null, name);
  }

  /** The accepted list's identity, version and dates; the subscription is current. */
  accept(name: string, list: ImageList, endorser: string | undefined): void {
    this.db
      .prepare(
        `UPDATE image_list_subscriptions SET identifier = ?, title = ?, version = ?,
           list_created = ?, list_expires = ?, endorser = ?, state = 'current' WHERE name = ?`,
      )
      .run(
        list.identifier,
        list.title ?? null,
        list.version,
        list.created.toISOString(),
        list.expires.toISOString(),
        endorser ?? null,
        name,
      );
  }

  markExpired(name: string): void {
    this.db
      .prepare("UPDATE image_list_subscriptions SET state = 'expired' WHERE name = ?")
      .run(name);
  }

  images(name: string): SubscribedImage[] {
    return this.db
      .prepare<[string], ImageRow>(
        `SELECT i.* FROM image_list_images i JOIN image_list_subscriptions s
           ON s.id = i.subscription_id WHERE s.name = ? ORDER BY i.identifier`,
      )
      .all(name)
      .map(toImage);
  }

  image(name: string, identifier: string): SubscribedImage | undefined {
    return this.images(name).find((i) => i.identifier === identifier);
  }

  /** Records an image of the list as it now stands. */
  putImage(
    name: string,
    image: ImageListImage,
    state: ImageState,
    extra: { template?: string; note?: string; expires?: string },
  ): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO image_list_images (subscription_id, identifier, title, version,
           uri, size, sha512, hypervisor, format, os, os_version, arch, expires, state, template,
           note, updated_at)
         SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM image_list_subscriptions
         WHERE name = ?`,
      )
      .run(
        image.identifier,
        image.title ?? null,
        image.version,
        image.uri,
        image.size,
        image.sha512,
        image.hypervisor ?? null,
        image.format ?? null,
        image.os ?? null,
        image.osVersion ?? null,
        image.arch ?? null,
        extra.expires ?? null,
        state,
        extra.template ?? null,
        extra.note ?? null,
        isoNow(this.clock),
        name,
      );
  }

  /** An image gone from the list, or of an expired list: no template holds it any more. */
  expireImage(name: string, identifier: string): void {
    this.db
      .prepare(
        `UPDATE image_list_images SET state = 'expired', template = NULL, updated_at = ?
         WHERE identifier = ? AND subscription_id =
           (SELECT id FROM image_list_subscriptions WHERE name = ?)`,
      )
      .run(isoNow(this.clock), identifier, name);
  }

  private row(name: string): SubscriptionRow | undefined {
    return this.db
      .prepare<[string], SubscriptionRow>('SELECT * FROM image_list_subscriptions WHERE name = ?')
      .get(name);
  }
}
