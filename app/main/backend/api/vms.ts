// VMs: power actions, details, resources, ISOs, snapshots, saved states, clones and deletion.
// Each operation checks the VM is there, then starts a task and answers with it at once.
import type { VmDetails } from '../../../shared/contract/convirt-contract.js';
import { RESTORABLE_STATES, SAVABLE_STATES } from '../../../shared/domain/vm.js';
import { InvalidInputError } from '../../../shared/validation/names.js';
import type { ApiContext, Slice } from './context.js';

export function vmsApi({
  fleet,
  inventory,
  checks,
  state,
}: ApiContext): Slice<
  | 'vmAction'
  | 'vmHistory'
  | 'bulkVmAction'
  | 'vmDetails'
  | 'listVms'
  | 'listSnapshots'
  | 'addGuestAgentChannel'
  | 'setGuestPassword'
  | 'setVmResources'
  | 'setAutostart'
  | 'setIso'
  | 'createSnapshot'
  | 'revertSnapshot'
  | 'deleteSnapshot'
  | 'cloneVm'
  | 'deleteVm'
  | 'saveVmState'
  | 'restoreVmState'
> {
  const onVm = checks.startOnVm.bind(checks);
  return {
    vmAction: (ref, action) => onVm(ref, () => fleet.vmAction(ref.host, ref.vm, action)),
    bulkVmAction: async (refs, action) => {
      // Every reference is checked before the first task starts: bad input runs nothing.
      await checks.requireExistingVms(refs);
      return refs.map(({ host, vm }) => checks.repollAfter(host, fleet.vmAction(host, vm, action)));
    },
    vmDetails: async ({ host, vm }): Promise<VmDetails> => {
      const [info, details] = await Promise.all([
        fleet.vmInfo(host, vm),
        fleet.vmDetails(host, vm),
      ]);
      return {
        ...info,
        tags: inventory.tags.list({ kind: 'vm', id: `${host}/${vm}` }),
        ...details,
      };
    },
    vmHistory: ({ host, vm }, since) => state.history.vmHistory(fleet.host(host).name, vm, since),
    // Two samples a second apart, so CPU use has a value in a one-shot answer.
    listVms: (hosts) => fleet.listVms(hosts, 1000),
    listSnapshots: ({ host, vm }) => fleet.snapshotList(host, vm),
    addGuestAgentChannel: (ref) => onVm(ref, () => fleet.addGuestAgentChannel(ref.host, ref.vm)),
    setGuestPassword: (ref, user, password) => {
      if (!password) throw new InvalidInputError('password', 'An empty password was given.');
      return onVm(ref, () => fleet.setUserPassword(ref.host, ref.vm, user, password));
    },
    setVmResources: (ref, change) => {
      if (change.vcpus === undefined && change.memoryMiB === undefined) {
        throw new InvalidInputError('change', 'Give vCPUs, memory or both.');
      }
      return onVm(ref, () => fleet.setResources(ref.host, ref.vm, change));
    },
    setAutostart: (ref, enabled) => onVm(ref, () => fleet.setAutostart(ref.host, ref.vm, enabled)),
    setIso: (ref, isoPath) => onVm(ref, () => fleet.setIso(ref.host, ref.vm, isoPath)),
    createSnapshot: (ref, name, options) =>
      onVm(ref, () => fleet.snapshot(ref.host, ref.vm, 'create', name, options)),
    revertSnapshot: (ref, name) =>
      onVm(ref, () => fleet.snapshot(ref.host, ref.vm, 'revert', name)),
    deleteSnapshot: (ref, name) =>
      onVm(ref, () => fleet.snapshot(ref.host, ref.vm, 'delete', name)),
    cloneVm: (ref, newName, mode) => onVm(ref, () => fleet.clone(ref.host, ref.vm, newName, mode)),
    deleteVm: (ref, options) => onVm(ref, () => fleet.deleteVm(ref.host, ref.vm, options)),
    saveVmState: (ref) =>
      checks.startOnVmIn(ref, SAVABLE_STATES, 'saved', () => fleet.saveVmState(ref.host, ref.vm)),
    restoreVmState: (ref) =>
      checks.startOnVmIn(ref, RESTORABLE_STATES, 'restored', () =>
        fleet.restoreVmState(ref.host, ref.vm),
      ),
  };
}
