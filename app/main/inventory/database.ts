// Opens the inventory database and brings its schema up to date.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { isoNow, systemClock, type Clock } from './clock.js';
import { DatabaseTooNewError } from './errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

export const DATABASE_FILE = 'convirt.db';

export interface OpenDatabaseOptions {
  /** The schema to apply; tests pass their own. */
  migrations?: readonly Migration[];
  clock?: Clock;
  /** How long to wait for another process's write lock, in ms. */
  busyTimeoutMs?: number;
}

export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: string;
}

/** `<dataDir>/convirt.db`. */
export function databasePath(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}

/** Opens (creating if needed) the database file and applies pending migrations. */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL stays consistent after a crash and skips an fsync per commit, which
    // keeps appending task log lines cheap; only the last commits can be lost on power loss.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    applyMigrations(db, options.migrations ?? MIGRATIONS, { clock: options.clock, file });
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The highest migration version applied, 0 for a new database. */
export function schemaVersion(db: Db): number {
  const exists = db
    .prepare<[], { n: number }>(
      `SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`,
    )
    .get();
  if (!exists?.n) return 0;
  return (
    db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM schema_migrations').get()
      ?.v ?? 0
  );
}

/**
 * Applies, in order, each migration newer than the database, each in its own transaction.
 * Returns what it applied (nothing when the database is current).
 */
export function applyMigrations(
  db: Db,
  migrations: readonly Migration[],
  { clock = systemClock, file = db.name }: { clock?: Clock | undefined; file?: string } = {},
): AppliedMigration[] {
  checkMigrationList(migrations);
  const known = migrations.at(-1)?.version ?? 0;
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const current = schemaVersion(db);
  if (current > known) throw new DatabaseTooNewError(file, current, known);

  const record = db.prepare<[number, string, string]>(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  const applied: AppliedMigration[] = [];
  for (const migration of migrations) {
    // IMMEDIATE takes the write lock first, and the version is read again under it, so two
    // processes opening the same new database do not both migrate it.
    const apply = db.transaction(() => {
      if (schemaVersion(db) >= migration.version) return;
      if (typeof migration.up === 'string') db.exec(migration.up);
      else migration.up(db);
      const appliedAt = isoNow(clock);
      record.run(migration.version, migration.name, appliedAt);
      applied.push({ version: migration.version, name: migration.name, appliedAt });
    });
    try {
      apply.immediate();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `Migration ${migration.version} (${migration.name}) of ${file} failed and was rolled ` +
          `back: ${reason}`,
        { cause: error },
      );
    }
  }
  return applied;
}

function checkMigrationList(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= previous) {
      throw new Error(
        `Migrations must have increasing integer versions from 1; ${m.version} follows ${previous}.`,
      );
    }
    previous = m.version;
  }
}

/** True for a UNIQUE or PRIMARY KEY violation, which callers turn into a ConflictError. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Database.SqliteError &&
    (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
  );
}

/** True when a row points at a parent that does not exist (e.g. a log line for no task). */
export function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
