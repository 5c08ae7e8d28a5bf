// The inventory's side of templates and ISOs by URL: the records, their HTTP headers, the pools
// holding a copy, and the download certificates (migration 2).
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
import type { CertificateInfo } from './certificates.js';

export type TemplateFormat = 'qcow2' | 'raw' | 'iso';
export const TEMPLATE_FORMATS: readonly TemplateFormat[] = ['qcow2', 'raw', 'iso'];

export interface UrlTemplate {
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
  headers: HttpHeader[];
  /** A metalink's candidate URLs, best first. */
  mirrors?: string[];
  createdAt: string;
}

export interface PoolCopy {
  template: string;
  pool: string;
  path: string;
  size: number;
  downloadedBy: string;
  createdAt: string;
}

export type NewUrlTemplate = Omit<UrlTemplate, 'id' | 'createdAt' | 'state'>;

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
}

const HTTP_HEADER = 'HTTP_HEADER';
const VIRTUAL_SIZE = 'VIRTUAL_SIZE';

export class UrlTemplateRecords {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
  ) {}

  add(t: NewUrlTemplate): UrlTemplate {
    return this.db.transaction(() => {
      if (this.find(t.name)) throw new ConflictError(`A template named ${t.name} already exists.`);
      const { lastInsertRowid } = this.db
        .prepare(
          `INSERT INTO url_templates (name, format, url, checksum, os, hypervisor, direct_download,
             store_path, download_state, state, size, client_certificate, mirrors, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'Ready', ?, ?, ?, ?)`,
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
        );
      const detail = this.db.prepare(
        'INSERT INTO url_template_details (template_id, seq, key, value) VALUES (?, ?, ?, ?)',
      );
      t.headers.forEach((h, seq) =>
        detail.run(lastInsertRowid, seq, HTTP_HEADER, `${h.name}:${h.value}`),
      );
      if (t.virtualSize !== undefined) this.addDetail(lastInsertRowid, VIRTUAL_SIZE, t.virtualSize);
      return this.get(t.name);
    })();
  }

  find(name: string): UrlTemplate | undefined {
    const row = this.db
      .prepare<[string], TemplateRow>('SELECT * FROM url_templates WHERE name = ?')
      .get(name);
    return row && this.fromRow(row);
  }

  get(name: string): UrlTemplate {
    const t = this.find(name);
    if (!t) throw new Error(`No template or ISO named ${JSON.stringify(name)}.`);
    return t;
  }

  list(): UrlTemplate[] {
    return this.db
      .prepare<[], TemplateRow>('SELECT * FROM url_templates ORDER BY name')
      .all()
      .map((row) => this.fromRow(row));
  }

  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM url_templates WHERE name = ?').run(name).changes > 0;
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

  private fromRow(row: TemplateRow): UrlTemplate {
    const headers = this.db
      .prepare<[number, string], { value: string }>(
        'SELECT value FROM url_template_details WHERE template_id = ? AND key = ? ORDER BY seq',
      )
      .all(row.id, HTTP_HEADER)
      .map((d) => parseHttpHeader(d.value));
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
      headers,
      ...(row.mirrors ? { mirrors: JSON.parse(row.mirrors) as string[] } : {}),
      createdAt: row.created_at,
    };
  }
}
