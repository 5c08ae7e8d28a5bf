// How tasks ended, for clients that wait for one (convirtctl). A task whose own checks refused
// the request (bad input found on the host: no room, a name taken) made nothing: `refused`.
import type { TaskOutcome } from '../../shared/contract/convirt-contract.js';
import { InvalidInputError } from '../../shared/validation/names.js';
import type { FleetService } from '../fleet/fleet-service.js';
import type { Task } from '../inventory/index.js';

const ENDED: ReadonlySet<Task['status']> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'interrupted',
]);

export class TaskOutcomes {
  /** Whether each task started here was refused, once it has ended. */
  private readonly refusals = new Map<string, Promise<boolean>>();

  constructor(private readonly fleet: FleetService) {}

  /** Follows a task started here; returns it. */
  track(task: Task, result: Promise<unknown>): Task {
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
