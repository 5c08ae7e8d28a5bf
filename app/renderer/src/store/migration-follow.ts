// After a migration succeeds, the VM view (and the consoles open in it) follow the VM to its new
// host. A migration task names only its source (`HOST/VM`), so the new host is the one the Migrate
// dialog asked for, or else (an evacuation, or a migration another client started) the one other
// host the VM shows up on. The view moves once the fleet shows the VM there, so it never shows a
// VM its host has not reported yet.
import type { Task } from '../../../shared/domain/inventory.js';
import { useFleetStore } from './fleet-store.js';
import { useViewStore } from './view-store.js';
import { splitVmKey, vmKey, vmOf, type VmsByHost } from './vm-key.js';

const MIGRATE_KIND = 'vm.migrate';
/** Arrivals waiting for the fleet beyond this many are dropped, oldest first. */
const MAX_WAITING = 50;

/** A VM that left `from`, and where it went when known. */
export interface Departure {
  from: string;
  vm: string;
  to: string | null;
}

/** The host the VM is on now, once the fleet shows it there (and no longer on its source). */
export function arrivalHost(
  departure: Departure,
  vmsByHost: VmsByHost,
  hostNames: readonly string[],
): string | null {
  const { from, vm, to } = departure;
  const isOn = (host: string) => vmOf(vmsByHost, vmKey(host, vm)) !== undefined;
  if (to !== null) return isOn(to) ? to : null;
  if (isOn(from)) return null;
  const found = hostNames.filter((h) => h !== from && isOn(h));
  return found.length === 1 ? found[0]! : null;
}

/**
 * Turns task updates and fleet updates into follows. Only migrations seen running (or started by
 * this window) are followed: tasks listed at start-up ended before this window could show them.
 */
export class MigrationFollower {
  private readonly targets = new Map<string, string>();
  private readonly running = new Set<string>();
  private waiting: Departure[] = [];

  /** The Migrate dialog started `taskId` towards `target`. */
  started(taskId: string, target: string): void {
    this.targets.set(taskId, target);
    this.running.add(taskId);
  }

  taskUpdated(task: Pick<Task, 'id' | 'kind' | 'target' | 'status'>): void {
    if (task.kind !== MIGRATE_KIND) return;
    if (task.status === 'queued' || task.status === 'running') {
      this.running.add(task.id);
      return;
    }
    const followed = this.running.delete(task.id);
    const to = this.targets.get(task.id) ?? null;
    this.targets.delete(task.id);
    if (!followed || task.status !== 'succeeded') return;
    const { host: from, vm } = splitVmKey(task.target);
    this.waiting = [...this.waiting, { from, vm, to }].slice(-MAX_WAITING);
  }

  /** The departures the fleet now shows arrived, with their new host; they are no longer waited for. */
  arrivals(vmsByHost: VmsByHost, hostNames: readonly string[]): Array<Departure & { to: string }> {
    const arrived: Array<Departure & { to: string }> = [];
    this.waiting = this.waiting.filter((d) => {
      const to = arrivalHost(d, vmsByHost, hostNames);
      if (to !== null) arrived.push({ ...d, to });
      return to === null;
    });
    return arrived;
  }
}

export const migrationFollower = new MigrationFollower();

/** Feeds the follower from the fleet store and moves the view; returns the unsubscriber. */
export function followMigrations(follower = migrationFollower): () => void {
  return useFleetStore.subscribe((state, prev) => {
    if (state.tasks !== prev.tasks) {
      for (const id of state.taskIds) {
        const task = state.tasks[id]!;
        if (task !== prev.tasks[id]) follower.taskUpdated(task);
      }
    }
    for (const { from, vm, to } of follower.arrivals(state.vmsByHost, state.hostNames)) {
      useViewStore.getState().followVm(from, vm, to);
    }
  });
}
