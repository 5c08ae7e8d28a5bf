// What the UI knows of each host between polls: connection status (with a plain error), its
// last facts and its VMs as last polled. Fed by the poller; read by getFleet; every change goes
// out as one hostPolled event holding only what changed since the previous one (numbered, so a
// client knows which events its getFleet snapshot already holds).
import { EventEmitter } from 'node:events';
import type {
  FleetVm,
  HostPolled,
  HostStatus,
  HostView,
} from '../../shared/contract/convirt-contract.js';
import { diffHostVms } from '../../shared/contract/fleet-delta.js';
import type { HostFacts } from '../../shared/domain/host.js';
import type { VmSample } from '../../shared/domain/vm.js';
import type { FleetService } from '../fleet/fleet-service.js';
import type { HostPoll } from '../fleet/fleet-poller.js';
import type { PerfHistoryStore } from '../fleet/perf-history.js';
import type { Host, Inventory } from '../inventory/index.js';

interface HostState {
  status: HostStatus;
  error: string | null;
  polledAt: number | null;
  /**
   * The host's VMs as last polled and as the last event left them, by name: what the next delta
   * is taken against, and what getFleet shows. Empty until the first poll.
   */
  sent: ReadonlyMap<string, FleetVm>;
  facts: HostFacts | null;
  fetchingFacts: boolean;
}

export class FleetState extends EventEmitter<{ hostPolled: [HostPolled] }> {
  private readonly hosts = new Map<string, HostState>();
  /**
   * The last hostPolled event's number. It starts at the start time (ms), so the events of a
   * restarted main (fewer than a thousand a second) follow a client's last one with a gap and the
   * client fetches a new snapshot, instead of skipping them as already seen.
   */
  private lastSeq = Date.now();
  private readonly onPoll = (poll: HostPoll) => this.polled(poll);
  private readonly onError = ({ host, error }: { host: string; error: Error }) =>
    this.failed(host, error);

  constructor(
    private readonly fleet: FleetService,
    private readonly inventory: Inventory,
    /** Every VM's and host's performance over time, for the charts. */
    readonly history: PerfHistoryStore,
  ) {
    super();
    fleet.poller.on('poll', this.onPoll);
    fleet.poller.on('hostError', this.onError);
  }

  /**
   * Stops following the polls and writes the newest points, which are still in memory: resolved
   * once they are on disk (main must not exit, nor its data folder go, before that).
   */
  dispose(): Promise<void> {
    this.fleet.poller.off('poll', this.onPoll);
    this.fleet.poller.off('hostError', this.onError);
    return this.history.flush();
  }

  private state(host: string): HostState {
    let state = this.hosts.get(host);
    if (!state) {
      state = {
        status: 'connecting',
        error: null,
        polledAt: null,
        sent: new Map(),
        facts: null,
        fetchingFacts: false,
      };
      this.hosts.set(host, state);
    }
    return state;
  }

  /**
   * Whether `host` is in the fleet: it has state here, or the inventory holds it. forget() drops
   * a removed host's state; an answer that arrives after that (facts, a poll) must not make it
   * again, or the host would be sent and its history folder made anew.
   */
  private known(host: string): boolean {
    return this.hosts.has(host) || !!this.inventory.hosts.get(host);
  }

  /** Facts learned elsewhere (addHost, hostFacts). */
  setFacts(host: string, facts: HostFacts): void {
    if (this.known(host)) this.state(host).facts = facts;
  }

  /** A new connection attempt is starting (the operator asked to retry). */
  connecting(host: string): void {
    if (!this.known(host)) return;
    const state = this.state(host);
    Object.assign(state, { status: 'connecting', error: null });
    this.send({ host, status: 'connecting', error: null, polledAt: state.polledAt });
  }

  /** The number of the last event sent: a snapshot taken now holds every event up to it. */
  get seq(): number {
    return this.lastSeq;
  }

  private send(event: Omit<HostPolled, 'seq'>): void {
    this.emit('hostPolled', { ...event, seq: ++this.lastSeq });
  }

  forget(host: string): void {
    this.hosts.delete(host);
    this.history.forgetHost(host);
  }

  private polled(poll: HostPoll): void {
    const { host, at, vms } = poll;
    // Removed while its poll ran (asking the inventory only for hosts without state: at every
    // poll of a thousand hosts it costs).
    if (!this.known(host)) return;
    this.history.record(poll);
    const state = this.state(host);
    Object.assign(state, { status: 'connected', error: null, polledAt: at });
    this.sendVms(host, state, vms);
    if (!state.facts && !state.fetchingFacts) {
      state.fetchingFacts = true;
      this.fleet
        .hostFacts(host)
        .then((facts) => (state.facts = facts))
        .catch(() => undefined) // the next poll reports the connection's state
        .finally(() => (state.fetchingFacts = false));
    }
  }

  /** A VM's tags changed: clients are sent it as a poll that changed only them. */
  vmTagsChanged(host: string): void {
    const state = this.hosts.get(host);
    if (state && state.polledAt !== null) this.sendVms(host, state, [...state.sent.values()]);
  }

  /** Sends what the host's VMs (`vms`, tags as now) changed since the last event. */
  private sendVms(host: string, state: HostState, vms: readonly VmSample[]): void {
    const { changedVms, removedVms, held } = diffHostVms(state.sent, this.fleetVms(host, vms));
    state.sent = held;
    const { status, error, polledAt } = state;
    this.send({ host, status, error, changedVms, removedVms, polledAt });
  }

  /** The host's VMs as the clients hold them (getFleet's, updated by every event since). */
  sentVms(host: string): FleetVm[] {
    return [...(this.hosts.get(host)?.sent.values() ?? [])];
  }

  private failed(host: string, error: Error): void {
    if (!this.inventory.hosts.get(host)) return;
    const state = this.state(host);
    Object.assign(state, { status: 'unreachable', error: error.message });
    this.send({ host, status: 'unreachable', error: error.message, polledAt: state.polledAt });
  }

  private fleetVms(host: string, vms: readonly VmSample[]): FleetVm[] {
    const tags = vms.length ? this.inventory.tags.vmTagsOnHost(host) : new Map<string, string[]>();
    return vms.map((vm) => ({ ...vm, host, tags: tags.get(vm.name) ?? [] }));
  }

  hostView(host: Host): HostView {
    const state = this.state(host.name);
    return {
      ...host,
      status: state.status,
      error: state.error,
      facts: state.facts,
      tags: this.inventory.tags.list({ kind: 'host', id: host.name }),
      polledAt: state.polledAt,
    };
  }

  /** Every VM of every host as last polled (the objects last sent: nothing is copied). */
  vms(): FleetVm[] {
    const vms: FleetVm[] = [];
    for (const host of this.inventory.hosts.list()) {
      for (const vm of this.hosts.get(host.name)?.sent.values() ?? []) vms.push(vm);
    }
    return vms;
  }

  /** The VM as last polled, if any poll saw it. */
  vm(host: string, name: string): VmSample | undefined {
    return this.hosts.get(host)?.sent.get(name);
  }
}
