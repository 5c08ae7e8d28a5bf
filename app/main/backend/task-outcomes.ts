// How tasks ended, for clients that wait for one (convirtctl), and the poll of a task's host once
// it ends. A task whose own checks refused the request (bad input found on the host: no room, a
// name taken) made nothing: `refused`.
import type { TaskOutcome } from '../../shared/contract/convirt-contract.js';
import { InvalidInputError } from '../../shared/validation/names.js';
import type { FleetService } from '../fleet/fleet-service.js';
import type { Task } from '../inventory/index.js';
import type { VmChecks } from './vm-checks.js';

/** A task started here: its first record, and its work's result. */
export interface RunningTask {
  task: Task;
  result: Promise<unknown>;
}

const ENDED: ReadonlySet<Task['status']> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'interrupted',
]);

export class TaskOutcomes {
  /** Whether each task started here was refused, once it has ended. */
  private readonly refusals = new Map<string, Promise<boolean>>();

  constructor(
    private readonly fleet: FleetService,
    private readonly checks: VmChecks,
  ) {}

  /**
   * Follows a task started here and returns it. With `host`, that host is polled again once the
   * task ends, so what it made (or its absence after a failure) shows without waiting.
   */
  track({ task, result }: RunningTask, host?: string): Task {
    if (host !== undefined) {
      const ended = () => task;
      this.checks.repollAfter(host, { task, finished: result.then(ended, ended) });
    }
    this.refusals.set(
      task.id,
      result.then(
        () => false,
        (err: unknown) => err instanceof InvalidInputError,
      ),
    );
    return task;
  }

  async wait(taskId: string): Promise<TaskOutcome> {
    const refused = this.refusals.get(taskId);
    if (refused) return { refused: await refused, task: this.fleet.task(taskId).task };
    return { refused: false, task: await this.ended(taskId) };
  }

  /** A task started elsewhere (or before): its record, once it says it has ended. */
  private ended(taskId: string): Promise<Task> {
    const current = this.fleet.task(taskId).task; // an unknown id: bad input
    if (ENDED.has(current.status)) return Promise.resolve(current);
    const { tasks } = this.fleet;
    return new Promise((resolve) => {
      const check = (task: Task) => {
        if (task.id !== taskId || !ENDED.has(task.status)) return;
        tasks.off('update', check);
        resolve(task);
      };
      tasks.on('update', check);
    });
  }
}
