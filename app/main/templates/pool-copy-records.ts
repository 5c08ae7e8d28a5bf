// Which storage pools hold a copy of a template by URL (downloaded once per pool, reused by
// every host that reaches it): the inventory's url_template_pool_copies.
import { isoNow, type Clock } from '../inventory/clock.js';
import type { Db } from '../inventory/database.js';

export interface PoolCopy {
  template: string;
  pool: string;
  path: string;
  size: number;
  downloadedBy: string;
  createdAt: string;
}

export class PoolCopyRecords {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  get(template: string, pool: string): PoolCopy | undefined {
    return this.db
      .prepare<[string, string], PoolCopy>(
        `SELECT t.name AS template, c.pool, c.path, c.size, c.downloaded_by AS downloadedBy,
           c.created_at AS createdAt
         FROM url_template_pool_copies c JOIN url_templates t ON t.id = c.template_id
         WHERE t.name = ? AND c.pool = ?`,
      )
      .get(template, pool);
  }

  list(template: string): PoolCopy[] {
    return this.db
      .prepare<[string], PoolCopy>(
        `SELECT t.name AS template, c.pool, c.path, c.size, c.downloaded_by AS downloadedBy,
           c.created_at AS createdAt
         FROM url_template_pool_copies c JOIN url_templates t ON t.id = c.template_id
         WHERE t.name = ? ORDER BY c.pool`,
      )
      .all(template);
  }

  /** Whether any template's copy on `pool` is the file `path` (a renamed version's, say). */
  pathTaken(pool: string, path: string): boolean {
    return (
      this.db
        .prepare<[string, string], { n: number }>(
          'SELECT count(*) AS n FROM url_template_pool_copies WHERE pool = ? AND path = ?',
        )
        .get(pool, path)!.n > 0
    );
  }

  add(copy: Omit<PoolCopy, 'createdAt'>): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO url_template_pool_copies
           (template_id, pool, path, size, downloaded_by, created_at)
         SELECT id, ?, ?, ?, ?, ? FROM url_templates WHERE name = ?`,
      )
      .run(copy.pool, copy.path, copy.size, copy.downloadedBy, isoNow(this.clock), copy.template);
  }

  remove(template: string, pool: string): void {
    this.db
      .prepare(
        `DELETE FROM url_template_pool_copies WHERE pool = ?
           AND template_id = (SELECT id FROM url_templates WHERE name = ?)`,
      )
      .run(pool, template);
  }
}
