// The checks before a task on a VM starts (bad input runs nothing), and the poll after it ends.
import { requireVmState, type StartedTask } from '../fleet/fleet-service.js';
import type { Task } from '../inventory/index.js';
import type { VmState } from '../../shared/domain/vm.js';
import { InvalidInputError, validateVmName } from '../../shared/validation/names.js';
import type { ConvirtBackendOptions } from './backend-options.js';
import type { FleetState } from './fleet-state.js';

export type VmRef = { host: string; vm: string };

export class VmChecks {
  constructor(
    private readonly options: Pick<ConvirtBackendOptions, 'fleet' | 'oneShot'>,
    private readonly state: FleetState,
  ) {}

  /** Polls the host soon after a task on it ends, so the new state shows without waiting. */
  repollAfter(host: string, started: StartedTask): Task {
    // The task's end is always observed, even by a one-shot client that polls nothing after it:
    // a failure (its `finished` rejects) must not become an unhandled rejection.
    const poll = this.options.oneShot
      ? () => undefined
      : () => this.options.fleet.poller.pollAll([host]);
    void started.finished.then(poll, poll);
    return started.task;
  }

  /** Refuses a new VM's name its host already shows (the task's own check looks again). */
  requireFreeVmName(host: string, name: string): void {
    if (this.state.vm(host, name)) {
      throw new InvalidInputError('name', `${host} already has a VM named ${name}.`);
    }
  }

  /** A known host and a valid VM name. */
  requireVm({ host, vm }: VmRef): void {
    this.options.fleet.host(host);
    validateVmName(vm);
  }

  /**
   * Refuses VMs that are not there, so no task runs for them: a VM the last poll did not show is
   * looked for in a fresh poll of its host (one remote request per host).
   */
  async requireExistingVms(refs: readonly VmRef[]): Promise<void> {
    refs.forEach((ref) => this.requireVm(ref));
    const unseen = refs.filter((ref) => !this.state.vm(ref.host, ref.vm));
    const hosts = [...new Set(unseen.map((ref) => ref.host))];
    const { poller } = this.options.fleet;
    const polls = await Promise.all(hosts.map((host) => poller.pollHost(host)));
    for (const { host, vm } of unseen) {
      if (!polls[hosts.indexOf(host)]!.vms.some((v) => v.name === vm)) {
        throw new InvalidInputError('vm', `${host} has no VM named ${vm}.`);
      }
    }
  }

  /** Starts a task on an existing VM; its host is polled again when it ends. */
  async startOnVm(ref: VmRef, start: () => StartedTask): Promise<Task> {
    await this.requireExistingVms([ref]);
    return this.repollAfter(ref.host, start());
  }

  /**
   * Starts a task on an existing VM whose last polled state is one of `states` (the task looks
   * again on the host before it changes anything).
   */
  async startOnVmIn(
    ref: VmRef,
    states: readonly VmState[],
    done: string,
    start: () => StartedTask,
  ): Promise<Task> {
    await this.requireExistingVms([ref]);
    const state = this.state.vm(ref.host, ref.vm)?.state;
    if (state !== undefined) requireVmState(ref.vm, state, states, done);
    return this.repollAfter(ref.host, start());
  }
}
