// The app keeps its subscriptions current by itself (convirtctl imagelist update is for cron):
// every subscription is updated as a task on an interval. A refused or failed update is in its
// task and the subscription's last error; the next round tries again.
import type { TaskRunner } from '../tasks/task-runner.js';
import type { ImageListService } from './image-list-service.js';

/** How often the app fetches every subscribed list. */
export const UPDATE_INTERVAL_MS = 60 * 60 * 1000;

/** Starts the rounds; returns what stops them. */
export function startAutomaticUpdates(
  service: ImageListService,
  tasks: TaskRunner,
  intervalMs = UPDATE_INTERVAL_MS,
  onUpdated: () => void = () => {},
): () => void {
  const timer = setInterval(() => {
    for (const s of service.list()) {
      const { result } = service.updateAsTask(tasks, s.name);
      void result.then(onUpdated, onUpdated);
    }
  }, intervalMs);
  // Never the reason the process stays up.
  timer.unref();
  return () => clearInterval(timer);
}
