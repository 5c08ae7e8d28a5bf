import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  applyMigrations,
  openDatabase,
  schemaVersion,
  type Db,
} from '../../../app/main/inventory/database.js';
import { DatabaseTooNewError } from '../../../app/main/inventory/errors.js';
import { MIGRATIONS, type Migration } from '../../../app/main/inventory/migrations.js';
import { tempDir } from './temp-inventory.js';

function open(t: TestContext, file: string, migrations?: Migration[]): Db {
  const db = openDatabase(file, { migrations });
  t.after(() => db.close());
  return db;
}

const names = (db: Db) =>
  db
    .prepare<[], { version: number; name: string }>(
      'SELECT version, name FROM schema_migrations ORDER BY version',
    )
    .all();

test('opening sets WAL, foreign keys and a busy timeout, and applies the schema', (t) => {
  const db = open(t, join(tempDir(t), 'convirt.db'));
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.ok(Number(db.pragma('busy_timeout', { simple: true })) >= 1000);
  assert.equal(schemaVersion(db), MIGRATIONS.at(-1)!.version);
  const applied = db
    .prepare<[], { applied_at: string }>('SELECT applied_at FROM schema_migrations')
    .all();
  for (const { applied_at } of applied) {
    assert.match(applied_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
});

test('a second open applies nothing', (t) => {
  const file = join(tempDir(t), 'convirt.db');
  openDatabase(file).close();
  const db = open(t, file);
  assert.deepEqual(applyMigrations(db, MIGRATIONS), []);
  assert.equal(names(db).length, MIGRATIONS.length);
});

test('migrations apply in order, and only the new ones on a later open', (t) => {
  const file = join(tempDir(t), 'test.db');
  const order: number[] = [];
  const step = (version: number): Migration => ({
    version,
    name: `step ${version}`,
    up: (db) => {
      order.push(version);
      db.exec(`CREATE TABLE t${version} (x)`);
    },
  });
  openDatabase(file, { migrations: [step(1), step(2)] }).close();
  const db = open(t, file, [step(1), step(2), step(3)]);
  assert.deepEqual(order, [1, 2, 3]);
  assert.deepEqual(
    names(db).map((m) => m.version),
    [1, 2, 3],
  );
});

test('a failing migration rolls back entirely and the open fails', (t) => {
  const file = join(tempDir(t), 'test.db');
  const good: Migration = { version: 1, name: 'good', up: 'CREATE TABLE a (x)' };
  const bad: Migration = {
    version: 2,
    name: 'bad',
    up: 'CREATE TABLE b (x); INSERT INTO a VALUES (1); INSERT INTO nowhere VALUES (1);',
  };
  assert.throws(
    () => openDatabase(file, { migrations: [good, bad] }),
    /Migration 2 \(bad\) .* failed and was rolled back: no such table: nowhere/,
  );
  const db = open(t, file, [good]);
  assert.equal(schemaVersion(db), 1);
  const tables = db
    .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)
    .all()
    .map((r) => r.name);
  assert.ok(tables.includes('a'));
  assert.ok(!tables.includes('b'), 'the failed migration left no table behind');
  assert.equal(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM a').get()!.n, 0);
});

test('a database from a newer ConVirt is refused with a clear error', (t) => {
  const file = join(tempDir(t), 'test.db');
  const future: Migration = { version: 99, name: 'from the future', up: 'SELECT 1' };
  openDatabase(file, { migrations: [...MIGRATIONS, future] }).close();
  assert.throws(
    () => openDatabase(file),
    (error: unknown) =>
      error instanceof DatabaseTooNewError &&
      error.version === 99 &&
      /newer ConVirt/.test(error.message),
  );
});

test('out-of-order migration lists are a programming error', (t) => {
  const file = join(tempDir(t), 'test.db');
  assert.throws(
    () =>
      openDatabase(file, {
        migrations: [
          { version: 2, name: 'b', up: 'SELECT 1' },
          { version: 1, name: 'a', up: 'SELECT 1' },
        ],
      }),
    /increasing integer versions/,
  );
});

/** Columns whose name suggests a secret ('bypass' is allowed), as table.column. */
function secretColumns(db: Db): string[] {
  const tables = db
    .prepare<[], { name: string }>(
      `SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'`,
    )
    .all();
  assert.ok(tables.length > 0, 'the scan sees the schema');
  const offenders: string[] = [];
  for (const { name } of tables) {
    const columns = db
      .prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)')
      .all(name);
    assert.ok(columns.length > 0);
    for (const column of columns) {
      if (/pass|secret|token/i.test(column.name.replace(/bypass/gi, ''))) {
        offenders.push(`${name}.${column.name}`);
      }
    }
  }
  return offenders;
}

test('no column anywhere in the schema can hold a password, passphrase, secret or token', (t) => {
  const db = open(t, join(tempDir(t), 'convirt.db'));
  assert.deepEqual(secretColumns(db), []);
});

test('the secret-column scan catches such a column, and lets bypass through', (t) => {
  const db = open(t, join(tempDir(t), 'test.db'), [
    {
      version: 1,
      name: 'bad idea',
      up: 'CREATE TABLE creds (host TEXT, ssh_Passphrase TEXT, api_token TEXT, cache_bypass INT)',
    },
  ]);
  assert.deepEqual(secretColumns(db), ['creds.ssh_Passphrase', 'creds.api_token']);
});
