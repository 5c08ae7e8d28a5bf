// Every host operation runs as a task: persisted, with status, progress, the full output of every
// command it ran, and cancel where the work allows it. Listeners (the UI, the CLI) get updates.
import { EventEmitter } from 'node:events';
import type {
  AuditLog,
  LogStream,
  Task,
  TaskLogEntry,
  TaskRepository,
} from '../inventory/index.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import { RecordingShell } from './recording-shell.js';

export interface TaskContext {
  readonly task: Task;
  /** Aborted when the operator cancels; commands started through record() stop with it. */
  readonly signal: AbortSignal;
  log(text: string, stream?: LogStream): void;
  progress(fraction: number | null, message?: string): void;
  /** The host's shell with every command and its output written to this task's log. */
  record(shell: RemoteShell): RemoteShell;
}

export interface TaskRunnerEvents {
  update: [Task];
  /** A line was added to a task's log. */
  log: [{ taskId: string; entry: TaskLogEntry }];
}

export class TaskCancelledError extends Error {
  constructor() {
    super('Cancelled by the operator.');
    this.name = 'TaskCancelledError';
  }
}

export class TaskRunner extends EventEmitter<TaskRunnerEvents> {
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly tasks: TaskRepository,
    private readonly audit: AuditLog,
  ) {
    super();
  }

  /**
   * Starts `work` as a task. Returns at once with the task; `result` settles when it ends.
   * A failure is recorded on the task (and in the audit trail) and rejects `result`.
   */
  run<T>(
    kind: string,
    target: string,
    work: (ctx: TaskContext) => Promise<T>,
  ): { task: Task; result: Promise<T> } {
    const task = this.tasks.create({ kind, target });
    const controller = new AbortController();
    this.running.set(task.id, controller);
    const id = task.id;
    const update = () => {
      const current = this.tasks.get(id);
      if (current) this.emit('update', current);
    };
    const log = (text: string, stream: LogStream = 'info') => {
      const seq = this.tasks.appendLog(id, stream, text);
      // Only read the entry back (for its timestamp) when someone listens.
      if (this.listenerCount('log') === 0) return;
      const [entry] = this.tasks.log(id, { afterSeq: seq - 1, limit: 1 });
      if (entry) this.emit('log', { taskId: id, entry });
    };
    const ctx: TaskContext = {
      task,
      signal: controller.signal,
      log,
      progress: (fraction, message) => {
        this.tasks.progress(id, fraction, message ?? null);
        update();
      },
      record: (shell) => new RecordingShell(shell, log, controller.signal),
    };

    const result = (async () => {
      this.tasks.start(id);
      update();
      try {
        const value = await work(ctx);
        if (controller.signal.aborted) throw new TaskCancelledError();
        this.tasks.finish(id, 'succeeded');
        this.audit.record({ action: kind, target, outcome: 'ok' });
        return value;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        const cancelled = controller.signal.aborted;
        log(error.message, 'stderr');
        this.tasks.finish(id, cancelled ? 'cancelled' : 'failed', error.message);
        this.audit.record({
          action: kind,
          target,
          outcome: 'failed',
          detail: { error: error.message },
        });
        throw cancelled ? new TaskCancelledError() : error;
      } finally {
        this.running.delete(id);
        update();
      }
    })();
    return { task, result };
  }

  /** Asks a running task to stop; false when it is not running here. */
  cancel(id: string): boolean {
    const controller = this.running.get(id);
    if (!controller) return false;
    controller.abort();
    return true;
  }
}
