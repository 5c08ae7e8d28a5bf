// What every area of the contract's implementation works with: the engine (ConvirtBackendOptions),
// the shared live state, the events that go to every client, and the one calling client.
import type { ConvirtContract, ConvirtService } from '../../../shared/contract/convirt-contract.js';
import type { EventSink } from '../../../shared/contract/define.js';
import type { ConsoleSink } from '../../consoles/console-manager.js';
import type { UrlTemplateService } from '../../templates/url-template-service.js';
import type { FleetService } from '../../fleet/fleet-service.js';
import type { Inventory } from '../../inventory/index.js';
import type { ConvirtBackendOptions } from '../backend-options.js';
import type { FleetState } from '../fleet-state.js';
import type { TaskOutcomes } from '../task-outcomes.js';
import type { SecretAsker } from '../secret-requests.js';
import type { VmChecks } from '../vm-checks.js';

export type ClientEvents = EventSink<ConvirtContract>;

/** The service as written here: a method may answer at once; attach() makes every one async. */
export type Implementation = {
  [K in keyof ConvirtService]: (
    ...args: Parameters<ConvirtService[K]>
  ) => ReturnType<ConvirtService[K]> | Awaited<ReturnType<ConvirtService[K]>>;
};

/** One area's part of the contract (hosts, VMs, consoles ...). */
export type Slice<K extends keyof ConvirtService> = Pick<Implementation, K>;

/** The client a call runs for: its events, its questions, its consoles and its focus. */
export interface CallingClient extends SecretAsker {
  emit: ClientEvents;
  /** Where its consoles' output goes. */
  consoleSink: ConsoleSink;
  /** The consoles it opened (only it may type into or close them). */
  consoles: Set<string>;
  /** Replaces the hosts it has in view (polled faster). */
  setFocus(hosts: string[]): void;
}

export interface ApiContext {
  options: ConvirtBackendOptions;
  fleet: FleetService;
  inventory: Inventory;
  templates: UrlTemplateService;
  state: FleetState;
  checks: VmChecks;
  outcomes: TaskOutcomes;
  client: CallingClient;
  /** Tells every client (events that concern them all). */
  broadcast: ClientEvents;
}
