// The Migrate dialog's logic, apart from React: which hosts a VM may go to, which mode its state
// allows, what request the form makes, whether a check result still answers it, and whether a VM
// dragged in the fleet tree may be dropped on a host.
import type { FleetVm, HostView } from '../../../shared/contract/convirt-contract.js';
import type {
  MigrationMode,
  MigrationPlan,
  MigrationRequest,
} from '../../../shared/domain/migration.js';
import type { VmState } from '../../../shared/domain/vm.js';
import { sortNamesNaturally } from '../common/compare.js';
import { vmOf, type VmKey, type VmsByHost } from '../store/vm-key.js';

/** The states each mode moves a VM from (main's `state` check says the same). */
const MODE_STATES: Record<MigrationMode, readonly VmState[]> = {
  live: ['running', 'paused'],
  offline: ['shutoff'],
};

export const MODE_TITLES: Record<MigrationMode, string> = {
  live: 'Live (the VM keeps running)',
  offline: 'Offline (the VM is shut off)',
};

export type StorageChoice = MigrationPlan['storage'];

export const STORAGE_TITLES: Record<StorageChoice, string> = {
  shared: 'Shared storage (the disks stay where both hosts see them)',
  copy: 'Copy the disks to the target',
};

/** Why a mode cannot move a VM in this state, or null when it can. */
export function modeRefusal(mode: MigrationMode, state: VmState): string | null {
  if (MODE_STATES[mode].includes(state)) return null;
  return mode === 'live'
    ? `Live migration moves a running VM; this one is ${state}.`
    : `Offline migration moves a shut-off VM; this one is ${state}.`;
}

/** The mode the VM's state calls for, or null when no mode moves it (crashed, suspended...). */
export function defaultMode(state: VmState): MigrationMode | null {
  return (Object.keys(MODE_STATES) as MigrationMode[]).find((m) => !modeRefusal(m, state)) ?? null;
}

/** The hosts a VM of `source` may go to: the others of its hypervisor, by name. */
export function migrationTargets(
  source: string,
  hosts: Record<string, Pick<HostView, 'name' | 'hypervisor'>>,
): string[] {
  const hypervisor = hosts[source]?.hypervisor;
  return sortNamesNaturally(
    Object.values(hosts)
      .filter((h) => h.name !== source && h.hypervisor === hypervisor)
      .map((h) => h.name),
  );
}

export interface MigrateForm {
  target: string;
  mode: MigrationMode;
  /** null until the operator picks one: then main decides (shared when both hosts see the disks). */
  storage: StorageChoice | null;
}

/** What checkMigration and migrateVm are asked. */
export function migrationRequest(form: MigrateForm): MigrationRequest {
  return {
    target: form.target,
    mode: form.mode,
    ...(form.storage === null ? {} : { copyStorage: form.storage === 'copy' }),
  };
}

/** The storage the dialog shows chosen: the operator's choice, else what the checks found. */
export function shownStorage(form: MigrateForm, plan: MigrationPlan | null): StorageChoice | null {
  return form.storage ?? plan?.storage ?? null;
}

/** One line over the checks: all passed, or how many refuse. */
export function checksSummary(plan: MigrationPlan): string {
  const failed = plan.checks.filter((c) => !c.ok).length;
  if (failed === 0) return `All ${plan.checks.length} checks pass.`;
  return `${failed} of ${plan.checks.length} checks fail: the migration is refused.`;
}

/** What checkMigration answered (the plan, or why it could not check), for which request. */
export interface CheckAnswer {
  request: MigrationRequest;
  plan: MigrationPlan | null;
  error: string | null;
}

/** The answer to the request the form makes now; null while that one is being checked. */
export function currentAnswer(answer: CheckAnswer | null, form: MigrateForm): CheckAnswer | null {
  if (!answer) return null;
  const asked = migrationRequest(form);
  const answered = answer.request;
  const same =
    asked.target === answered.target &&
    asked.mode === answered.mode &&
    asked.copyStorage === answered.copyStorage;
  return same ? answer : null;
}

/** A VM dragged in the fleet tree: its host and name. */
export interface DraggedVm {
  kind: 'vm';
  host: string;
  vm: string;
}

/**
 * What a host does with a VM dragged onto it: `ignore` its own host (dropping there does nothing),
 * refuse (with the reason) a host of another hypervisor, else `accept` (the dialog opens).
 */
export function vmDropVerdict(
  dragged: Pick<DraggedVm, 'host' | 'vm'>,
  target: Pick<HostView, 'name' | 'hypervisor'>,
  sourceHypervisor: HostView['hypervisor'] | undefined,
): 'ignore' | 'accept' | { refusal: string } {
  if (target.name === dragged.host) return 'ignore';
  if (sourceHypervisor !== undefined && sourceHypervisor !== target.hypervisor) {
    return {
      refusal: `${dragged.vm} runs on ${sourceHypervisor.toUpperCase()}; ${target.name} is a ${target.hypervisor.toUpperCase()} host.`,
    };
  }
  return 'accept';
}

/** The running VMs among a host's, which an evacuation moves, by name. */
export function runningVmsOf(
  keys: readonly VmKey[],
  vmsByHost: VmsByHost,
): Array<Pick<FleetVm, 'name' | 'memoryMiB'>> {
  return keys
    .map((key) => vmOf(vmsByHost, key))
    .filter((vm) => vm?.state === 'running')
    .map((vm) => ({ name: vm!.name, memoryMiB: vm!.memoryMiB }));
}
