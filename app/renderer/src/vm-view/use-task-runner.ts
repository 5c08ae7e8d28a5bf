// Starts an operation that returns a task; a refusal (bad input, host gone) becomes a notice.
// The task itself is followed in the task pane, and a failure there raises its own notice.
import { useCallback } from 'react';
import type { Task } from '../../../shared/domain/inventory.js';
import { errorMessage } from '../common/errors.js';
import { useFleetStore } from '../store/fleet-store.js';

export function useTaskRunner() {
  const notify = useFleetStore((s) => s.notify);
  const applyTask = useFleetStore((s) => s.applyTask);
  return useCallback(
    (what: string, start: () => Promise<Task | Task[]>) =>
      start()
        .then((tasks) => [tasks].flat().forEach(applyTask))
        .catch((err: unknown) => notify('error', `${what}: ${errorMessage(err)}`)),
    [notify, applyTask],
  );
}
