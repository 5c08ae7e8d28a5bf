// Long operations (start a VM, provision from an appliance) and their full output, kept so
// the operator can read what happened after the fact, even after a restart.
import { randomUUID } from 'node:crypto';
import { InvalidInputError } from '../../shared/validation/names.js';
import { isoNow, systemClock, type Clock } from './clock.js';
import { isForeignKeyViolation, type Db } from './database.js';
import { ConflictError, NotFoundError } from './errors.js';
import { currentProcessOwner, type TaskOwner } from './task-owner.js';
import {
  LOG_STREAMS,
  TASK_STATUSES,
  type FinalTaskStatus,
  type LogStream,
  type Task,
  type TaskListFilter,
  type TaskLogEntry,
  type TaskLogQuery,
  type TaskStatus,
} from './types.js';
import { validateLabel, validateLimit, validateOneOf, validateTaskKind } from './validation.js';

export const INTERRUPTED_ERROR = 'interrupted: ConVirt stopped while this task ran';

/**
 * A task about to make something on a host logs this before the thing's name ("file /x"), and
 * REMOVED_FROM_HOST followed by one indented line per thing once it has removed them: a task
 * interrupted in between names what it may have left (markInterrupted).
 */
export const MAKING_ON_HOST = 'Making on the host: ';
export const REMOVED_FROM_HOST = 'Removed what this task made:';

const FINAL_STATUSES: readonly FinalTaskStatus[] = ['succeeded', 'failed', 'cancelled'];

interface TaskRow {
  id: string;
  kind: string;
  target: string;
  status: TaskStatus;
  progress: number | null;
  message: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  owner: string | null;
}

function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    kind: row.kind,
    target: row.target,
    status: row.status,
    progress: row.progress,
    message: row.message,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}

function prepare(db: Db) {
  return {
    insert: db.prepare<[string, string, string, string, string]>(
      `INSERT INTO tasks (id, kind, target, status, created_at, owner)
       VALUES (?, ?, ?, 'queued', ?, ?)`,
    ),
    get: db.prepare<[string], TaskRow>('SELECT * FROM tasks WHERE id = ?'),
    start: db.prepare<[string, string]>(
      `UPDATE tasks SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued'`,
    ),
    progress: db.prepare<[number | null, string]>(
      `UPDATE tasks SET progress = ? WHERE id = ? AND status = 'running'`,
    ),
    progressWithMessage: db.prepare<[number | null, string | null, string]>(
      `UPDATE tasks SET progress = ?, message = ? WHERE id = ? AND status = 'running'`,
    ),
    // One statement per append: the next seq comes from the (task_id, seq) key, an index seek.
    append: db.prepare<
      [{ task_id: string; at: string; stream: LogStream; text: string }],
      { seq: number }
    >(`
      INSERT INTO task_log (task_id, seq, at, stream, text)
      SELECT @task_id, ifnull(max(seq), 0) + 1, @at, @stream, @text
      FROM task_log WHERE task_id = @task_id
      RETURNING seq`),
    finish: db.prepare<
      [{ id: string; status: FinalTaskStatus; error: string | null; at: string }]
    >(`
      UPDATE tasks SET status = @status, error = @error, ended_at = @at,
        progress = CASE WHEN @status = 'succeeded' THEN 1 ELSE progress END
      WHERE id = @id AND status IN ('queued', 'running')`),
    list: db.prepare<
      [{ status: TaskStatus | null; target: string | null; limit: number }],
      TaskRow
    >(`
      SELECT * FROM tasks
      WHERE (@status IS NULL OR status = @status) AND (@target IS NULL OR target = @target)
      ORDER BY created_at DESC, rowid DESC
      LIMIT @limit`),
    log: db.prepare<[string, number, number], TaskLogEntry>(
      'SELECT seq, at, stream, text FROM task_log WHERE task_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    unfinished: db.prepare<[], Pick<TaskRow, 'id' | 'owner'>>(
      `SELECT id, owner FROM tasks WHERE status IN ('queued', 'running')`,
    ),
    madeOrRemoved: db.prepare<[{ id: string; making: string; removed: string }], { text: string }>(`
      SELECT text FROM task_log
      WHERE task_id = @id AND stream = 'info'
        AND (substr(text, 1, length(@making)) = @making
          OR substr(text, 1, length(@removed)) = @removed)
      ORDER BY seq`),
    markInterrupted: db.prepare<[string, string, string]>(`
      UPDATE tasks SET status = 'interrupted', error = ?, ended_at = ?
      WHERE id = ? AND status IN ('queued', 'running')`),
    deleteFinishedBefore: db.prepare<[string]>(`
      DELETE FROM tasks
      WHERE status IN ('succeeded', 'failed', 'cancelled', 'interrupted') AND ended_at < ?`),
  };
}

/** What a task may have left on its host: what it was making, minus what it then removed. */
function leftOnHost(entries: readonly { text: string }[]): string[] {
  const left = new Set<string>();
  for (const { text } of entries) {
    if (text.startsWith(MAKING_ON_HOST)) left.add(text.slice(MAKING_ON_HOST.length));
    else for (const line of text.split('\n').slice(1)) left.delete(line.trim());
  }
  return [...left];
}

export class TaskRepository {
  private readonly sql: ReturnType<typeof prepare>;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
    private readonly owner: TaskOwner = currentProcessOwner,
  ) {
    this.sql = prepare(db);
  }

  /** A new task, queued. */
  create({ kind, target }: { kind: string; target: string }): Task {
    const id = randomUUID();
    this.sql.insert.run(
      id,
      validateTaskKind(kind),
      validateLabel('target', target, 256),
      isoNow(this.clock),
      this.owner.id,
    );
    return this.require(id);
  }

  /** queued → running. */
  start(id: string): Task {
    if (this.sql.start.run(isoNow(this.clock), id).changes === 0) {
      throw this.refused(id, 'start');
    }
    return this.require(id);
  }

  /**
   * Reports how far a running task is (0 to 1, null when unknown) and, if given, a new status
   * line (null clears it).
   */
  progress(id: string, fraction: number | null, message?: string | null): void {
    if (fraction !== null && !(Number.isFinite(fraction) && fraction >= 0 && fraction <= 1)) {
      throw new InvalidInputError(
        'fraction',
        `Invalid progress ${JSON.stringify(fraction)}: use a number from 0 to 1.`,
      );
    }
    const { changes } =
      message === undefined
        ? this.sql.progress.run(fraction, id)
        : this.sql.progressWithMessage.run(fraction, message, id);
    if (changes === 0) throw this.refused(id, 'report progress on');
  }

  /** Appends to the task's log (one INSERT) and returns the entry's seq. */
  appendLog(id: string, stream: LogStream, text: string): number {
    validateOneOf('stream', stream, LOG_STREAMS);
    if (typeof text !== 'string') throw new InvalidInputError('text', 'Log text must be a string.');
    try {
      return this.sql.append.get({ task_id: id, at: isoNow(this.clock), stream, text })!.seq;
    } catch (error) {
      if (isForeignKeyViolation(error)) throw notFound(id);
      throw error;
    }
  }

  /** queued or running → succeeded, failed or cancelled. Success sets progress to 1. */
  finish(id: string, status: FinalTaskStatus, error?: string | null): Task {
    validateOneOf('status', status, FINAL_STATUSES);
    const at = isoNow(this.clock);
    if (this.sql.finish.run({ id, status, error: error ?? null, at }).changes === 0) {
      throw this.refused(id, 'finish');
    }
    return this.require(id);
  }

  get(id: string): Task | undefined {
    const row = this.sql.get.get(id);
    return row && toTask(row);
  }

  /** Newest first. */
  list({ limit = 100, status, target }: TaskListFilter = {}): Task[] {
    return this.sql.list
      .all({
        status: status === undefined ? null : validateOneOf('status', status, TASK_STATUSES),
        target: target ?? null,
        limit: validateLimit(limit),
      })
      .map(toTask);
  }

  /** The task's log in the order it was written. */
  log(id: string, { afterSeq = 0, limit }: TaskLogQuery = {}): TaskLogEntry[] {
    this.require(id);
    // LIMIT -1 is SQLite for no limit.
    return this.sql.log.all(id, afterSeq, limit === undefined ? -1 : validateLimit(limit));
  }

  /**
   * Marks interrupted the tasks left queued or running by a process that is gone (nothing runs
   * them any more), each with what it may have left on its host in its error and its log.
   * Tasks of live processes (this one, or another client on the same inventory) are left alone.
   * Returns how many. Call it at startup.
   */
  markInterrupted(): number {
    const orphans = this.sql.unfinished
      .all()
      .filter(({ owner }) => owner === null || !this.owner.isAlive(owner));
    const mark = this.db.transaction((id: string) => {
      const left = leftOnHost(
        this.sql.madeOrRemoved.all({ id, making: MAKING_ON_HOST, removed: REMOVED_FROM_HOST }),
      );
      const error = left.length
        ? `${INTERRUPTED_ERROR}; it may have left on the host: ${left.join(', ')}`
        : INTERRUPTED_ERROR;
      const changed = this.sql.markInterrupted.run(error, isoNow(this.clock), id).changes;
      if (changed && left.length) {
        this.appendLog(
          id,
          'stderr',
          `ConVirt stopped while this task ran. It may have left on the host:\n${left.map((l) => `  ${l}`).join('\n')}`,
        );
      }
      return changed;
    });
    return orphans.reduce((count, { id }) => count + mark(id), 0);
  }

  /** Deletes finished tasks (and their logs) that ended before `before`; returns how many. */
  deleteFinishedBefore(before: Date): number {
    return this.sql.deleteFinishedBefore.run(before.toISOString()).changes;
  }

  private require(id: string): Task {
    const task = this.get(id);
    if (!task) throw notFound(id);
    return task;
  }

  private refused(id: string, action: string): Error {
    const task = this.require(id);
    return new ConflictError(`Cannot ${action} task ${id}: it is ${task.status}.`);
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError('task', id, `No task with id ${JSON.stringify(id)}.`);
}
