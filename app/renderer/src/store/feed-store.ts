// Feeds the fleet store from the contract: one getFleet, then events (inventory changes arrive as
// what changed). A missed poll event costs at most one getFleet in flight and one queued after it.
import type { ConvirtClient, HostPolled } from '../../../shared/contract/convirt-contract.js';
import { errorMessage } from '../common/errors.js';
import { useFleetStore } from './fleet-store.js';
import { followMigrations } from './migration-follow.js';

/**
 * How long polls gather before one store update: longer for bigger fleets, where every update
 * copies the VM map (50,000 entries at 1,000 hosts) and a thousand hosts report continuously.
 */
const pollBatchMs = (hosts: number) => Math.min(1000, 100 + hosts / 2);

/** Subscribes the store to the client's events and loads the fleet; returns the unsubscriber. */
export function feedStore(client: ConvirtClient): () => void {
  const store = useFleetStore.getState();
  let loading: Promise<void> | null = null;
  let again = false;
  const reload = (): void => {
    if (loading) {
      again = true;
      return;
    }
    loading = client
      .getFleet()
      .then((snapshot) => useFleetStore.getState().loadFleet(snapshot))
      .catch((err: unknown) =>
        store.notify('error', `Could not load the fleet: ${errorMessage(err)}`),
      )
      .finally(() => {
        loading = null;
        if (again) {
          again = false;
          reload();
        }
      });
  };

  // Polls arrive host by host; applying them in batches keeps a big fleet to a few renders a
  // second instead of one per host.
  let polls: HostPolled[] = [];
  let pollFlush: ReturnType<typeof setTimeout> | null = null;
  const flushPolls = () => {
    pollFlush = null;
    const batch = polls;
    polls = [];
    if (!useFleetStore.getState().applyHostPolls(batch)) reload();
  };

  const unsubscribers = [
    followMigrations(),
    client.on('hostPolled', (event) => {
      polls.push(event);
      pollFlush ??= setTimeout(flushPolls, pollBatchMs(useFleetStore.getState().hostNames.length));
    }),
    client.on('fleetChanged', (change) => {
      // Polls sent before the change are applied before it, in the server's order: a host
      // removed and added again must not get its old VMs back from a poll still waiting here.
      if (pollFlush) {
        clearTimeout(pollFlush);
        flushPolls();
      }
      useFleetStore.getState().applyFleetChange(change);
    }),
    client.on('taskUpdated', (task) => useFleetStore.getState().applyTask(task)),
    client.on('taskLog', ({ taskId, entries }) =>
      useFleetStore.getState().appendTaskLog(taskId, entries),
    ),
  ];
  reload();
  client
    .listTasks(100)
    .then((tasks) => {
      // Oldest first, so the newest ends on top.
      const oldestFirst = [...tasks].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      for (const task of oldestFirst) useFleetStore.getState().applyTask(task);
    })
    .catch((err: unknown) => store.notify('error', `Could not list tasks: ${errorMessage(err)}`));
  return () => {
    unsubscribers.forEach((off) => off());
    if (pollFlush) clearTimeout(pollFlush);
  };
}
