// Free-form tags on hosts and VMs ("prod", "db"), to filter and act on many at once.
import { InvalidInputError, validateVmName } from '../../shared/validation/names.js';
import type { Db } from './database.js';
import { NotFoundError } from './errors.js';
import { TAG_TARGET_KINDS, type TagTarget, type TagTargetKind } from './types.js';
import { validateHostName, validateLabel, validateOneOf } from './validation.js';

const validateTag = (tag: string) => validateLabel('tag', tag, 64);

function prepare(db: Db) {
  return {
    insert: db.prepare<[TagTargetKind, string, string]>(
      'INSERT OR IGNORE INTO tags (target_kind, target_id, tag) VALUES (?, ?, ?)',
    ),
    delete: db.prepare<[TagTargetKind, string, string]>(
      'DELETE FROM tags WHERE target_kind = ? AND target_id = ? AND tag = ?',
    ),
    forTarget: db.prepare<[TagTargetKind, string], { tag: string }>(
      'SELECT tag FROM tags WHERE target_kind = ? AND target_id = ? ORDER BY tag',
    ),
    // VM ids are `host/vm`: those of one host sort between `host/` and `host0` ('0' follows '/').
    vmsOfHost: db.prepare<[string, string], { target_id: string; tag: string }>(
      "SELECT target_id, tag FROM tags WHERE target_kind = 'vm' AND target_id >= ? AND target_id < ? ORDER BY target_id, tag",
    ),
    withTag: db.prepare<[string], { target_kind: TagTargetKind; target_id: string }>(
      'SELECT target_kind, target_id FROM tags WHERE tag = ? ORDER BY target_kind, target_id',
    ),
    hostExists: db.prepare<[string], { id: number }>('SELECT id FROM hosts WHERE name = ?'),
  };
}

export class TagRepository {
  private readonly sql: ReturnType<typeof prepare>;

  constructor(db: Db) {
    this.sql = prepare(db);
  }

  /** Tags a host or VM; the host must be in the inventory. False if it had the tag already. */
  add(target: TagTarget, tag: string): boolean {
    const { kind, id, host } = checkTarget(target);
    if (!this.sql.hostExists.get(host)) {
      throw new NotFoundError('host', host, `No host named ${JSON.stringify(host)}.`);
    }
    return this.sql.insert.run(kind, id, validateTag(tag)).changes > 0;
  }

  /** False if the target did not have the tag. */
  remove(target: TagTarget, tag: string): boolean {
    const { kind, id } = checkTarget(target);
    return this.sql.delete.run(kind, id, validateTag(tag)).changes > 0;
  }

  /** The target's tags, sorted. */
  list(target: TagTarget): string[] {
    const { kind, id } = checkTarget(target);
    return this.sql.forTarget.all(kind, id).map((row) => row.tag);
  }

  /** The tags of every tagged VM of a host, by VM name, each sorted: one query per host. */
  vmTagsOnHost(host: string): Map<string, string[]> {
    const byVm = new Map<string, string[]>();
    const name = validateHostName(host);
    for (const row of this.sql.vmsOfHost.all(`${name}/`, `${name}0`)) {
      const vm = row.target_id.slice(name.length + 1);
      const tags = byVm.get(vm);
      if (tags) tags.push(row.tag);
      else byVm.set(vm, [row.tag]);
    }
    return byVm;
  }

  /** Everything carrying the tag: hosts first, then VMs, each sorted. */
  targetsWithTag(tag: string): TagTarget[] {
    return this.sql.withTag
      .all(validateTag(tag))
      .map((row) => ({ kind: row.target_kind, id: row.target_id }));
  }
}

/** Checks a target, and returns it with the name of the host it lives on. */
function checkTarget(target: TagTarget): TagTarget & { host: string } {
  const kind = validateOneOf('target kind', target.kind, TAG_TARGET_KINDS);
  if (kind === 'host') return { kind, id: target.id, host: validateHostName(target.id) };
  const slash = typeof target.id === 'string' ? target.id.indexOf('/') : -1;
  if (slash < 0) {
    throw new InvalidInputError(
      'target',
      `Invalid VM target ${JSON.stringify(target.id)}: expected host/vm, e.g. web1/db2.`,
    );
  }
  const host = validateHostName(target.id.slice(0, slash));
  validateVmName(target.id.slice(slash + 1));
  return { kind, id: target.id, host };
}
