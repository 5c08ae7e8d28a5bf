// Hosts, server pools and their tags: the inventory, and the fleet tree's live view of it.
import type {
  FleetChanged,
  FleetSnapshot,
  HostView,
} from '../../../shared/contract/convirt-contract.js';
import type { TagTarget } from '../../inventory/index.js';
import type { ApiContext, Slice } from './context.js';

export function hostsApi(
  ctx: ApiContext,
): Slice<
  | 'getFleet'
  | 'setFocus'
  | 'refreshHost'
  | 'hostFacts'
  | 'hostHistory'
  | 'addHost'
  | 'removeHost'
  | 'acceptHostKey'
  | 'moveHost'
  | 'createGroup'
  | 'renameGroup'
  | 'deleteGroup'
  | 'setHostTags'
  | 'setVmTags'
> {
  const { fleet, inventory, state, templates, checks } = ctx;
  // Every client is told what changed, not to fetch the whole fleet again (at a thousand hosts,
  // each host added made every open window fetch 50,000 VMs).
  const changed = (change: FleetChanged) => ctx.broadcast('fleetChanged', change);
  const hostView = (name: string): HostView => state.hostView(fleet.host(name));
  const hostChanged = (name: string) => changed({ hosts: [hostView(name)] });
  /** A host new to the clients (or connected again): its view and its VMs as last polled. */
  const hostArrived = (name: string, groupsChanged: boolean) =>
    changed({
      ...(groupsChanged ? { groups: inventory.groups.list() } : {}),
      hosts: [hostView(name)],
      vms: state.sentVms(name),
    });
  const groupsChanged = () => changed({ groups: inventory.groups.list() });
  const setTags = (target: TagTarget, tags: string[]) => {
    inventory.transaction(() => {
      const wanted = new Set(tags);
      for (const tag of inventory.tags.list(target)) {
        if (!wanted.has(tag)) inventory.tags.remove(target, tag);
      }
      for (const tag of wanted) inventory.tags.add(target, tag);
    });
  };

  return {
    getFleet: (): FleetSnapshot => ({
      groups: inventory.groups.list(),
      hosts: inventory.hosts.list().map((host) => state.hostView(host)),
      vms: state.vms(),
      seq: state.seq,
    }),
    setFocus: (hosts) => {
      hosts.forEach((host) => fleet.host(host));
      ctx.client.setFocus(hosts);
    },
    refreshHost: async (host) => {
      fleet.host(host);
      fleet.connections.resetBackoff(host);
      if (!fleet.connections.isConnected(host)) state.connecting(host);
      await fleet.poller.pollAll([host]);
    },
    hostHistory: (host, since) => state.history.hostHistory(fleet.host(host).name, since),
    hostFacts: async (host) => {
      const facts = await fleet.hostFacts(host);
      state.setFacts(host, facts);
      return facts;
    },

    addHost: async (input) => {
      const { group, acceptFingerprint, ...endpoint } = input;
      const { host, facts } = await fleet.addHost(
        endpoint,
        acceptFingerprint ? { acceptFingerprint } : {},
      );
      // The pool is created only once the host is in: a refused host leaves nothing behind.
      if (group) inventory.hosts.moveToGroup(host.name, fleet.ensureGroupPath(group));
      state.setFacts(host.name, facts);
      hostArrived(host.name, Boolean(group));
      if (!ctx.options.oneShot) void fleet.poller.pollAll([host.name]);
      // A host added later gets the certificates uploaded for downloads by URL too: a task,
      // so a failure (a client key the locked secret store holds) is seen, not swallowed.
      if (templates.listCertificates().length > 0) {
        void fleet.tasks
          .run('certificates.install', host.name, () => templates.installCertificatesOn(host.name))
          .result.catch(() => {
            // In the task's record; the host itself is in.
          });
      }
      return hostView(host.name);
    },
    acceptHostKey: async (host, fingerprint) => {
      await fleet.acceptHostKey(host, fingerprint);
      hostArrived(host, false);
      if (!ctx.options.oneShot) {
        state.connecting(host);
        void fleet.poller.pollAll([host]);
      }
      return hostView(host);
    },
    removeHost: (host) => {
      fleet.removeHost(host);
      state.forget(host);
      changed({ removedHosts: [host] });
    },
    moveHost: (host, groupId) => {
      inventory.hosts.moveToGroup(fleet.host(host).name, groupId);
      hostChanged(host);
    },
    createGroup: (name, parentId) => {
      const group = inventory.groups.create(name, parentId);
      groupsChanged();
      return group;
    },
    renameGroup: (id, name) => {
      inventory.groups.rename(id, name);
      groupsChanged();
    },
    deleteGroup: (id) => {
      inventory.groups.remove(id);
      groupsChanged();
    },
    setHostTags: (host, tags) => {
      setTags({ kind: 'host', id: fleet.host(host).name }, tags);
      hostChanged(host);
    },
    setVmTags: (ref, tags) => {
      checks.requireVm(ref);
      setTags({ kind: 'vm', id: `${ref.host}/${ref.vm}` }, tags);
      state.vmTagsChanged(ref.host);
    },
  };
}
