// Server pools: named groups of hosts that nest, like "Datacenter/Rack 1".
import { isoNow, systemClock, type Clock } from './clock.js';
import { isUniqueViolation, type Db } from './database.js';
import { ConflictError, NotFoundError } from './errors.js';
import type { Group } from './types.js';
import { validateLabel } from './validation.js';

interface GroupRow {
  id: number;
  name: string;
  parent_id: number | null;
  created_at: string;
}

function toGroup(row: GroupRow): Group {
  return { id: row.id, name: row.name, parentId: row.parent_id, createdAt: row.created_at };
}

// '/' separates the names in a path.
const validateGroupName = (name: string) => validateLabel('group name', name, 64, '/');

function prepare(db: Db) {
  return {
    insert: db.prepare<[string, number | null, string]>(
      'INSERT INTO host_groups (name, parent_id, created_at) VALUES (?, ?, ?)',
    ),
    get: db.prepare<[number], GroupRow>('SELECT * FROM host_groups WHERE id = ?'),
    rename: db.prepare<[string, number]>('UPDATE host_groups SET name = ? WHERE id = ?'),
    move: db.prepare<[number | null, number]>('UPDATE host_groups SET parent_id = ? WHERE id = ?'),
    delete: db.prepare<[number]>('DELETE FROM host_groups WHERE id = ?'),
    // Depth-first by name, so every group comes after its parent.
    list: db.prepare<[], GroupRow>(`
      WITH RECURSIVE tree(id, sort_path) AS (
        SELECT id, name FROM host_groups WHERE parent_id IS NULL
        UNION ALL
        SELECT g.id, tree.sort_path || char(0) || g.name
        FROM host_groups g JOIN tree ON g.parent_id = tree.id
      )
      SELECT g.* FROM host_groups g JOIN tree USING (id) ORDER BY tree.sort_path`),
    // The group itself, then its parent, up to the top.
    ancestors: db.prepare<[number], GroupRow>(`
      WITH RECURSIVE up(id, depth) AS (
        SELECT ?, 0
        UNION ALL
        SELECT g.parent_id, up.depth + 1 FROM host_groups g JOIN up ON g.id = up.id
        WHERE g.parent_id IS NOT NULL AND up.depth < 1000
      )
      SELECT g.* FROM host_groups g JOIN up USING (id) ORDER BY up.depth`),
    hostCount: db.prepare<[number], { n: number }>(
      'SELECT count(*) AS n FROM hosts WHERE group_id = ?',
    ),
    childCount: db.prepare<[number], { n: number }>(
      'SELECT count(*) AS n FROM host_groups WHERE parent_id = ?',
    ),
  };
}

export class GroupRepository {
  private readonly sql: ReturnType<typeof prepare>;

  constructor(
    db: Db,
    private readonly clock: Clock = systemClock,
  ) {
    this.sql = prepare(db);
  }

  create(name: string, parentId: number | null = null): Group {
    const clean = validateGroupName(name);
    if (parentId !== null) this.require(parentId);
    try {
      const { lastInsertRowid } = this.sql.insert.run(clean, parentId, isoNow(this.clock));
      return this.require(Number(lastInsertRowid));
    } catch (error) {
      throw this.duplicate(error, clean, parentId);
    }
  }

  get(id: number): Group | undefined {
    const row = this.sql.get.get(id);
    return row && toGroup(row);
  }

  rename(id: number, name: string): Group {
    const group = this.require(id);
    const clean = validateGroupName(name);
    try {
      this.sql.rename.run(clean, id);
    } catch (error) {
      throw this.duplicate(error, clean, group.parentId);
    }
    return this.require(id);
  }

  /** Moves a group under another (null: to the top). Refuses to move it into itself. */
  move(id: number, newParentId: number | null): Group {
    const group = this.require(id);
    if (newParentId !== null) {
      this.require(newParentId);
      if (this.sql.ancestors.all(newParentId).some((g) => g.id === id)) {
        throw new ConflictError(
          `Cannot move group ${this.path(id)} into ${this.path(newParentId)}: it is that group or one of its subgroups.`,
        );
      }
    }
    try {
      this.sql.move.run(newParentId, id);
    } catch (error) {
      throw this.duplicate(error, group.name, newParentId);
    }
    return this.require(id);
  }

  /** Removes an empty group; refuses one that still holds hosts or subgroups. */
  remove(id: number): void {
    this.require(id);
    const hosts = this.sql.hostCount.get(id)?.n ?? 0;
    const children = this.sql.childCount.get(id)?.n ?? 0;
    if (hosts || children) {
      const what = [
        hosts ? `${hosts} host${hosts === 1 ? '' : 's'}` : '',
        children ? `${children} subgroup${children === 1 ? '' : 's'}` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      throw new ConflictError(
        `Cannot remove group ${this.path(id)}: it still holds ${what}. Move or remove them first.`,
      );
    }
    this.sql.delete.run(id);
  }

  /** Every group, parents before their subgroups, siblings by name. */
  list(): Group[] {
    return this.sql.list.all().map(toGroup);
  }

  /** The group's id and its parents' ids, up to the top. */
  ancestry(id: number): number[] {
    return this.sql.ancestors.all(id).map((g) => g.id);
  }

  /** The names from the top group down, e.g. "Datacenter/Rack 1". */
  path(id: number): string {
    const chain = this.sql.ancestors.all(id);
    if (chain.length === 0) throw notFound(id);
    return chain
      .reverse()
      .map((g) => g.name)
      .join('/');
  }

  private require(id: number): Group {
    const group = this.get(id);
    if (!group) throw notFound(id);
    return group;
  }

  private duplicate(error: unknown, name: string, parentId: number | null): unknown {
    if (!isUniqueViolation(error)) return error;
    const where = parentId === null ? 'at the top level' : `in ${this.path(parentId)}`;
    return new ConflictError(`A group named ${JSON.stringify(name)} already exists ${where}.`);
  }
}

function notFound(id: number): NotFoundError {
  return new NotFoundError('group', id, `No group with id ${id}.`);
}
