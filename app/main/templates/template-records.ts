// The inventory's side of templates and ISOs by URL (migration 2): the records with their HTTP
// headers, whose values live in the secret store (template-secrets.ts), and beside them the pools
// holding a copy (pool-copy-records.ts) and the download certificates (certificate-records.ts).
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
import type { SecretVault } from '../secrets/vault.js';
import { CertificateRecords } from './certificate-records.js';
import { PoolCopyRecords } from './pool-copy-records.js';
import {
  HTTP_HEADER,
  HTTP_HEADER_SECRET,
  moveHeaderValuesIntoVault,
  storeHeaderValue,
  unlocked,
  vaultBeside,
} from './template-secrets.js';

export { TEMPLATE_FORMATS, type TemplateFormat } from '../../shared/validation/url-template.js';
import type { TemplateContainer, TemplateFormat } from '../../shared/validation/url-template.js';

/** A record as listed: its headers by name only, so listing never needs the secret store. */
export interface TemplateSummary {
  id: number;
  name: string;
  format: TemplateFormat;
  /** The URL serves an OVA holding the image: each pool's copy is converted from it. */
  container?: TemplateContainer;
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

/** A qcow2 image's virtual size, read from its header at registration. */
const VIRTUAL_SIZE = 'VIRTUAL_SIZE';
/** What the URL serves when it is not the image itself (a detail: no column needed). */
const CONTAINER = 'CONTAINER';

export class UrlTemplateRecords {
  /** The storage pools holding a copy of each template. */
  readonly poolCopies: PoolCopyRecords;
  /** The certificates downloads trust or present. */
  readonly certificates: CertificateRecords;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
    private readonly vault: SecretVault | undefined = vaultBeside(db),
  ) {
    this.poolCopies = new PoolCopyRecords(db, clock);
    this.certificates = new CertificateRecords(db, clock, vault);
  }

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
      if (t.container) this.addDetail(lastInsertRowid, CONTAINER, t.container);
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
    const container = this.detail(row.id, CONTAINER) as TemplateContainer | undefined;
    return {
      id: row.id,
      name: row.name,
      format: row.format,
      ...(container ? { container } : {}),
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
