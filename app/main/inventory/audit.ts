// Who did what to which host or VM, and how it went. Rows are only ever added.
import { InvalidInputError } from '../../shared/validation/names.js';
import { isoNow, systemClock, type Clock } from './clock.js';
import type { Db } from './database.js';
import {
  AUDIT_OUTCOMES,
  type AuditEntry,
  type AuditInput,
  type AuditListFilter,
  type AuditOutcome,
  type JsonValue,
} from './types.js';
import { validateLabel, validateLimit, validateOneOf } from './validation.js';

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  detail: string | null;
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as JsonValue),
  };
}

function prepare(db: Db) {
  return {
    insert: db.prepare<[Omit<AuditRow, 'id'>], AuditRow>(`
      INSERT INTO audit (at, actor, action, target, outcome, detail)
      VALUES (@at, @actor, @action, @target, @outcome, @detail)
      RETURNING *`),
    list: db.prepare<[{ target: string | null; limit: number }], AuditRow>(`
      SELECT * FROM audit WHERE (@target IS NULL OR target = @target)
      ORDER BY id DESC LIMIT @limit`),
  };
}

export class AuditLog {
  private readonly sql: ReturnType<typeof prepare>;

  /** `actor` is who acts when a record names no one: the OS user, normally. */
  constructor(
    db: Db,
    private readonly actor: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.sql = prepare(db);
  }

  record(input: AuditInput): AuditEntry {
    const detail = detailJson(input.detail);
    const row = this.sql.insert.get({
      at: isoNow(this.clock),
      actor: validateLabel('actor', input.actor ?? this.actor, 256),
      action: validateLabel('action', input.action, 128),
      target: input.target == null ? null : validateLabel('target', input.target, 256),
      outcome: validateOneOf('outcome', input.outcome, AUDIT_OUTCOMES),
      detail,
    });
    return toEntry(row!);
  }

  /** Newest first. */
  list({ limit = 100, target }: AuditListFilter = {}): AuditEntry[] {
    return this.sql.list.all({ target: target ?? null, limit: validateLimit(limit) }).map(toEntry);
  }
}

function detailJson(detail: unknown): string | null {
  if (detail === undefined) return null;
  // Typed as string, but undefined for a function or symbol; throws for a BigInt or a cycle.
  let json: string | undefined;
  try {
    json = JSON.stringify(detail);
  } catch {
    json = undefined;
  }
  if (json === undefined) {
    throw new InvalidInputError('detail', 'Audit detail must be representable as JSON.');
  }
  return json;
}
