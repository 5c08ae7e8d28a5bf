// The inventory's side of templates and ISOs by URL: the records, their HTTP headers, the pools
// holding a copy, and the download certificates (migration 2). Header values are secrets (an
// Authorization header is a credential): the inventory keeps each header's name and a reference
// into ConVirt's secret store, which holds the value (moveHeaderValuesIntoVault moves older ones).
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import type { Hypervisor } from '../../shared/domain/host.js';
import {
  formatChecksum,
  parseChecksum,
  parseHttpHeader,
  type Checksum,
  type HttpHeader,
} from '../../shared/validation/download-source.js';
import { isoNow, systemClock, type Clock } from '../inventory/clock.js';
import type { Db } from '../inventory/database.js';
import { ConflictError } from '../inventory/errors.js';
import { vaultIn } from '../secrets/vault-registry.js';
import { VaultLockedError, type SecretVault } from '../secrets/vault.js';
import type { CertificateInfo } from './certificates.js';

export { TEMPLATE_FORMATS, type TemplateFormat } from '../../shared/validation/url-template.js';
import type { TemplateFormat } from '../../shared/validation/url-template.js';

/** A record as listed: its headers by name only, so listing never needs the secret store. */
export interface TemplateSummary {
  id: number;
  name: string;
  format: TemplateFormat;
  url: string;
  checksum?: Checksum;
  os?: string;
  hypervisor: Hypervisor;
  directDownload: boolean;
  /** The copy in the local image store; none for a direct download. */
  storePath?: string;
  downloadState: 'BYPASSED' | 'DOWNLOADED';
  state: 'Ready';
  /** Bytes to download (Content-Length, a metalink's size, else the qcow2 virtual size). */
  size?: number;
  /** A qcow2 image's virtual size, read from its header at registration. */
  virtualSize?: number;
  clientCertificate?: string;
  headerNames: string[];
  /** A metalink's candidate URLs, best first. */
  mirrors?: string[];
  createdAt: string;
  /** A disabled template cannot be provisioned from. */
  enabled: boolean;
  /** The server pools (group ids) whose hosts may use it; absent: every pool, []: none. */
  serverPools?: number[];
}

/** What an image list's rotation carries from one version of a template to the next. */
export interface TemplateSettings {
  enabled: boolean;
  /** null: every server pool. */
  serverPools: number[] | null;
}

/** A record with its HTTP header values, read from the secret store, for a download. */
export interface UrlTemplate extends TemplateSummary {
  headers: HttpHeader[];
}

export interface PoolCopy {
  template: string;
  pool: string;
  path: string;
  size: number;
  downloadedBy: string;
  createdAt: string;
}

export type NewUrlTemplate = Omit<
  UrlTemplate,
  'id' | 'createdAt' | 'state' | 'headerNames' | 'enabled' | 'serverPools'
> &
  Partial<TemplateSettings>;

interface TemplateRow {
  id: number;
  name: string;
  format: TemplateFormat;
  url: string;
  checksum: string | null;
  os: string | null;
  hypervisor: Hypervisor;
  direct_download: number;
  store_path: string | null;
  download_state: 'BYPASSED' | 'DOWNLOADED';
  state: 'Ready';
  size: number | null;
  client_certificate: string | null;
  mirrors: string | null;
  created_at: string;
  enabled: number;
  server_pools: string | null;
}

/** A header as registered before migration 3: `NAME:VALUE`, the value in plain text. */
const HTTP_HEADER = 'HTTP_HEADER';
/** A header now: `NAME:<vault id>`, the value in the secret store. */
const HTTP_HEADER_SECRET = 'HTTP_HEADER_SECRET';

/** The secret store beside the inventory's file; none for an in-memory database. */
export function vaultBeside(db: Db): SecretVault | undefined {
  return db.memory ? undefined : vaultIn(dirname(db.name));
}

/** The vault, unlocked (without asking: the caller must have unlocked a passphrase vault). */
export function unlocked(vault: SecretVault | undefined): SecretVault {
  if (!vault) {
    throw new Error(
      'HTTP header values and client keys need a secret store, and there is none here.',
    );
  }
  if (!vault.tryUnlockSync() && !vault.isUnlocked) {
    throw new VaultLockedError(
      vault.file,
      'HTTP header values and client keys need its master passphrase first.',
    );
  }
  return vault;
}

const clientKeyId = (certificate: string) => `client-certificate-key:${certificate}`;

export function storeHeaderValue(vault: SecretVault, template: string, h: HttpHeader): string {
  const id = `http-header:${randomUUID()}`;
  vault.set(id, h.value, `HTTP header ${h.name} of ${template}`);
  return `${h.name}:${id}`;
}

/**
 * Moves header values still in plain text (registered before migration 3) into the vault, when it
 * can be opened without asking; returns how many moved. Runs where the vault is open (start-up,
 * unlocking), never in a migration: the vault is passed in. The values go into the vault first, so a
 * failure in between leaves at worst an unused vault entry, never a lost header.
 */
export function moveHeaderValuesIntoVault(db: Db, vault: SecretVault | undefined): number {
  const rows = db
    .prepare<[string], { template_id: number; seq: number; value: string; name: string }>(
      `SELECT d.template_id, d.seq, d.value, t.name FROM url_template_details d
         JOIN url_templates t ON t.id = d.template_id WHERE d.key = ?`,
    )
    .all(HTTP_HEADER);
  if (rows.length === 0 || !vault || !(vault.isUnlocked || vault.tryUnlockSync())) return 0;
  const moved = rows.map((r) => ({
    ...r,
    ref: storeHeaderValue(vault, r.name, parseHttpHeader(r.value)),
  }));
  // The old rows' bytes are zeroed, not merely freed, so no copy of a value lingers in the file.
  db.pragma('secure_delete = ON');
  const update = db.prepare(
    'UPDATE url_template_details SET key = ?, value = ? WHERE template_id = ? AND seq = ?',
  );
  db.transaction(() => {
    for (const r of moved) update.run(HTTP_HEADER_SECRET, r.ref, r.template_id, r.seq);
  })();
  return moved.length;
}

/** How many header values are kept in the store, and how many still wait in plain text. */
export function headerSecretCounts(db: Db): { stored: number; plainText: number } {
  const count = (key: string) =>
    db
      .prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM url_template_details WHERE key = ?',
      )
      .get(key)?.n ?? 0;
  return { stored: count(HTTP_HEADER_SECRET), plainText: count(HTTP_HEADER) };
}

/**
 * Unlocks the store beside `db` when templates' headers need it (or `storing` new ones), which
 * may ask the master passphrase, and moves any values still in plain text into it. For front ends
 * whose store cannot be opened without a question (convirtctl), before template commands.
 */
export async function unlockForHeaders(
  db: Db,
  storing: boolean,
  vault = vaultBeside(db),
): Promise<void> {
  const { stored, plainText } = headerSecretCounts(db);
  if (!vault || (!storing && stored + plainText === 0)) return;
  await vault.unlock();
  moveHeaderValuesIntoVault(db, vault);
}

/** A qcow2 image's virtual size, read from its header at registration. */
const VIRTUAL_SIZE = 'VIRTUAL_SIZE';

export class UrlTemplateRecords {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
    private readonly vault: SecretVault | undefined = vaultBeside(db),
  ) {}

  add(t: NewUrlTemplate): UrlTemplate {
    const headerRefs = t.headers.length
      ? t.headers.map((h) => storeHeaderValue(unlocked(this.vault), t.name, h))
      : [];
    return this.db.transaction(() => {
      if (this.find(t.name)) throw new ConflictError(`A template named ${t.name} already exists.`);
      const { lastInsertRowid } = this.db
        .prepare(
          `INSERT INTO url_templates (name, format, url, checksum, os, hypervisor, direct_download,
             store_path, download_state, state, size, client_certificate, mirrors, created_at,
             enabled, server_pools)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'Ready', ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          t.name,
          t.format,
          t.url,
          t.checksum ? formatChecksum(t.checksum) : null,
          t.os ?? null,
          t.hypervisor,
          t.directDownload ? 1 : 0,
          t.storePath ?? null,
          t.downloadState,
          t.size ?? null,
          t.clientCertificate ?? null,
          t.mirrors ? JSON.stringify(t.mirrors) : null,
          isoNow(this.clock),
          t.enabled === false ? 0 : 1,
          t.serverPools ? JSON.stringify(t.serverPools) : null,
        );
      const detail = this.db.prepare(
        'INSERT INTO url_template_details (template_id, seq, key, value) VALUES (?, ?, ?, ?)',
      );
      headerRefs.forEach((ref, seq) => detail.run(lastInsertRowid, seq, HTTP_HEADER_SECRET, ref));
      if (t.virtualSize !== undefined) this.addDetail(lastInsertRowid, VIRTUAL_SIZE, t.virtualSize);
      return this.get(t.name);
    })();
  }

  find(name: string): UrlTemplate | undefined {
    const row = this.db
      .prepare<[string], TemplateRow>('SELECT * FROM url_templates WHERE name = ?')
      .get(name);
    return row && { ...this.fromRow(row), headers: this.headerValues(row.name) };
  }

  get(name: string): UrlTemplate {
    const t = this.find(name);
    if (!t) throw new Error(`No template or ISO named ${JSON.stringify(name)}.`);
    return t;
  }

  list(): TemplateSummary[] {
    return this.db
      .prepare<[], TemplateRow>('SELECT * FROM url_templates ORDER BY name')
      .all()
      .map((row) => this.fromRow(row));
  }

  settings(name: string): TemplateSettings {
    const t = this.get(name);
    return { enabled: t.enabled, serverPools: t.serverPools ?? null };
  }

  /** Changes what is given of a template's settings. */
  setSettings(name: string, settings: Partial<TemplateSettings>): void {
    const t = this.get(name);
    const next = { ...this.settings(t.name), ...settings };
    this.db
      .prepare('UPDATE url_templates SET enabled = ?, server_pools = ? WHERE id = ?')
      .run(next.enabled ? 1 : 0, next.serverPools ? JSON.stringify(next.serverPools) : null, t.id);
  }

  /** Renames a template; its pool copies keep their files and paths (VMs may use them). */
  rename(name: string, newName: string): void {
    if (this.find(newName)) throw new ConflictError(`A template named ${newName} already exists.`);
    const { changes } = this.db
      .prepare('UPDATE url_templates SET name = ? WHERE name = ?')
      .run(newName, name);
    if (changes === 0) throw new Error(`No template or ISO named ${JSON.stringify(name)}.`);
  }

  /** Whether any template's copy on `pool` is the file `path` (a renamed version's, say). */
  poolPathTaken(pool: string, path: string): boolean {
    return (
      this.db
        .prepare<[string, string], { n: number }>(
          'SELECT count(*) AS n FROM url_template_pool_copies WHERE pool = ? AND path = ?',
        )
        .get(pool, path)!.n > 0
    );
  }

  remove(name: string): boolean {
    const refs = this.headerRows(name).filter((d) => d.key === HTTP_HEADER_SECRET);
    const removed =
      this.db.prepare('DELETE FROM url_templates WHERE name = ?').run(name).changes > 0;
    if (refs.length)
      unlocked(this.vault).delete(...refs.map((d) => parseHttpHeader(d.value).value));
    return removed;
  }

  private headerRows(template: string): { key: string; value: string }[] {
    return this.db
      .prepare<[string, string, string], { key: string; value: string }>(
        `SELECT d.key, d.value FROM url_template_details d JOIN url_templates t
           ON t.id = d.template_id WHERE t.name = ? AND d.key IN (?, ?) ORDER BY d.seq`,
      )
      .all(template, HTTP_HEADER, HTTP_HEADER_SECRET);
  }

  poolCopy(template: string, pool: string): PoolCopy | undefined {
    return this.db
      .prepare<[string, string], PoolCopy>(
        `SELECT t.name AS template, c.pool, c.path, c.size, c.downloaded_by AS downloadedBy,
           c.created_at AS createdAt
         FROM url_template_pool_copies c JOIN url_templates t ON t.id = c.template_id
         WHERE t.name = ? AND c.pool = ?`,
      )
      .get(template, pool);
  }

  poolCopies(template: string): PoolCopy[] {
    return this.db
      .prepare<[string], PoolCopy>(
        `SELECT t.name AS template, c.pool, c.path, c.size, c.downloaded_by AS downloadedBy,
           c.created_at AS createdAt
         FROM url_template_pool_copies c JOIN url_templates t ON t.id = c.template_id
         WHERE t.name = ? ORDER BY c.pool`,
      )
      .all(template);
  }

  addPoolCopy(copy: Omit<PoolCopy, 'createdAt'>): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO url_template_pool_copies
           (template_id, pool, path, size, downloaded_by, created_at)
         SELECT id, ?, ?, ?, ?, ? FROM url_templates WHERE name = ?`,
      )
      .run(copy.pool, copy.path, copy.size, copy.downloadedBy, isoNow(this.clock), copy.template);
  }

  removePoolCopy(template: string, pool: string): void {
    this.db
      .prepare(
        `DELETE FROM url_template_pool_copies WHERE pool = ?
           AND template_id = (SELECT id FROM url_templates WHERE name = ?)`,
      )
      .run(pool, template);
  }

  addCertificate(info: CertificateInfo, pem: string): void {
    if (this.certificate(info.name)) {
      throw new ConflictError(`A certificate named ${info.name} already exists.`);
    }
    this.db
      .prepare(
        `INSERT INTO download_certificates (name, kind, pem, subject, issuer, valid_from,
           valid_to, fingerprint256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        info.name,
        info.kind,
        pem,
        info.subject,
        info.issuer,
        info.validFrom,
        info.validTo,
        info.fingerprint256,
        isoNow(this.clock),
      );
  }

  certificate(name: string): (CertificateInfo & { pem: string }) | undefined {
    return this.certificates().find((c) => c.name === name);
  }

  certificates(): (CertificateInfo & { pem: string })[] {
    return this.db
      .prepare<[], CertificateInfo & { pem: string }>(
        `SELECT name, kind, pem, subject, issuer, valid_from AS validFrom, valid_to AS validTo,
           fingerprint256 FROM download_certificates ORDER BY name`,
      )
      .all();
  }

  removeCertificate(name: string): boolean {
    return (
      this.db.prepare('DELETE FROM download_certificates WHERE name = ?').run(name).changes > 0
    );
  }

  /**
   * A client certificate's private key, kept in the secret store (never in the inventory) so
   * that hosts added later get the certificate too. The store must be unlocked.
   */
  setClientKey(name: string, keyPem: string): void {
    unlocked(this.vault).set(clientKeyId(name), keyPem, `Key of the client certificate ${name}`);
  }

  /** The key, or undefined when the store has none for it (uploaded before keys were kept). */
  clientKey(name: string): string | undefined {
    return unlocked(this.vault).get(clientKeyId(name));
  }

  removeClientKey(name: string): void {
    unlocked(this.vault).delete(clientKeyId(name));
  }

  /** The header values of a template, from the secret store (which must be unlocked). */
  private headerValues(template: string): HttpHeader[] {
    moveHeaderValuesIntoVault(this.db, this.vault);
    return this.headerRows(template).map((d) => {
      const header = parseHttpHeader(d.value);
      if (d.key === HTTP_HEADER) return header; // not moved yet: the vault is locked
      const value = unlocked(this.vault).get(header.value);
      if (value === undefined) {
        throw new Error(
          `The value of the HTTP header ${header.name} of ${template} is missing from the ` +
            'secret store; register the template again.',
        );
      }
      return { name: header.name, value };
    });
  }

  /** A detail after the template's others, whatever their numbering. */
  private addDetail(templateId: number | bigint, key: string, value: number | string): void {
    this.db
      .prepare(
        `INSERT INTO url_template_details (template_id, seq, key, value)
         SELECT ?, COALESCE(MAX(seq) + 1, 0), ?, ? FROM url_template_details WHERE template_id = ?`,
      )
      .run(templateId, key, String(value), templateId);
  }

  private detail(templateId: number, key: string): string | undefined {
    return this.db
      .prepare<[number, string], { value: string }>(
        'SELECT value FROM url_template_details WHERE template_id = ? AND key = ?',
      )
      .get(templateId, key)?.value;
  }

  private fromRow(row: TemplateRow): TemplateSummary {
    const virtualSize = this.detail(row.id, VIRTUAL_SIZE);
    return {
      id: row.id,
      name: row.name,
      format: row.format,
      url: row.url,
      ...(row.checksum ? { checksum: parseChecksum(row.checksum) } : {}),
      ...(row.os ? { os: row.os } : {}),
      hypervisor: row.hypervisor,
      directDownload: row.direct_download === 1,
      ...(row.store_path ? { storePath: row.store_path } : {}),
      downloadState: row.download_state,
      state: row.state,
      ...(row.size !== null ? { size: row.size } : {}),
      ...(virtualSize !== undefined ? { virtualSize: Number(virtualSize) } : {}),
      ...(row.client_certificate ? { clientCertificate: row.client_certificate } : {}),
      headerNames: this.headerRows(row.name).map((d) => parseHttpHeader(d.value).name),
      ...(row.mirrors ? { mirrors: JSON.parse(row.mirrors) as string[] } : {}),
      createdAt: row.created_at,
      enabled: row.enabled === 1,
      ...(row.server_pools ? { serverPools: JSON.parse(row.server_pools) as number[] } : {}),
    };
  }
}
