// Tasks: the record of every operation, its log, and cancelling one that runs.
import { ContractError } from '../../../shared/contract/define.js';
import type { ApiContext, Slice } from './context.js';

export function tasksApi({
  fleet,
  inventory,
  outcomes,
}: ApiContext): Slice<'listTasks' | 'taskLog' | 'cancelTask' | 'getTask' | 'waitForTask'> {
  return {
    listTasks: (limit) => inventory.tasks.list({ limit: limit ?? 100 }),
    taskLog: (taskId, afterSeq) =>
      inventory.tasks.log(taskId, afterSeq === undefined ? {} : { afterSeq }),
    getTask: (taskId) => fleet.task(taskId).task,
    waitForTask: (taskId) => outcomes.wait(taskId),
    cancelTask: (taskId) => {
      if (fleet.tasks.cancel(taskId)) return;
      const task = fleet.task(taskId).task;
      throw new ContractError({
        code: 'failed',
        message: `Task ${task.kind} ${task.target} is ${task.status}: nothing to cancel.`,
      });
    },
  };
}
