// What the main area shows (dashboard, every VM, a host, a VM, the image store, templates and
// ISOs, image-list catalogs), which dialogs are open, and the consoles open in the VM view on
// screen.
import { create } from 'zustand';
import type { ConsoleKind } from '../../../shared/contract/convirt-contract.js';
import type { ProvisionSource } from '../image-store/provision-form.js';
import type { DraggedVm } from '../migration/migrate-form.js';

export type Screen =
  | { kind: 'dashboard' }
  | { kind: 'all-vms' }
  | { kind: 'image-store' }
  | { kind: 'templates' }
  | { kind: 'catalogs' }
  | { kind: 'settings' }
  | { kind: 'host'; host: string }
  | { kind: 'vm'; host: string; vm: string };

/** The provisioning dialog's starting point: null picks the default appliance, the first host. */
export interface ProvisionRequest {
  appliance: string | null;
  host: string | null;
  /** A template or ISO registered by URL as the source, instead of an appliance. */
  template?: string;
}

/** Whatever can be dragged onto a host of the fleet tree. */
export type DraggedItem = ProvisionSource | DraggedVm;

/** A console tab of the VM view. */
export interface OpenConsole {
  id: string;
  kind: ConsoleKind;
}

/**
 * The VM view's tab and open consoles. Kept here, not in the view, so they survive the VM moving
 * to another host: the view of the VM there opens on the same tab and reopens the same consoles.
 */
export interface VmViewState {
  tab: string;
  consoles: OpenConsole[];
  /** The console tab shown, '' when none. */
  activeConsole: string;
}

const FRESH_VM_VIEW: VmViewState = { tab: 'overview', consoles: [], activeConsole: '' };

const sameScreen = (a: Screen, b: Screen) => JSON.stringify(a) === JSON.stringify(b);

interface ViewState {
  screen: Screen;
  addHostOpen: boolean;
  provision: ProvisionRequest | null;
  /** What is being dragged, so hosts can tell during the drag whether they take it. */
  draggedSource: DraggedItem | null;
  vmView: VmViewState;
  show: (screen: Screen) => void;
  /** When the VM view of `vm` on `from` is on screen, shows the VM on `to` with the same tabs. */
  followVm: (from: string, vm: string, to: string) => void;
  setVmView: (update: (view: VmViewState) => VmViewState) => void;
  setAddHostOpen: (open: boolean) => void;
  openProvision: (request: ProvisionRequest) => void;
  closeProvision: () => void;
  setDraggedSource: (source: DraggedItem | null) => void;
}

export const useViewStore = create<ViewState>((set, get) => ({
  screen: { kind: 'dashboard' },
  addHostOpen: false,
  provision: null,
  draggedSource: null,
  vmView: FRESH_VM_VIEW,
  show: (screen) => {
    if (!sameScreen(screen, get().screen)) set({ screen, vmView: FRESH_VM_VIEW });
  },
  followVm: (from, vm, to) => {
    const { screen } = get();
    if (screen.kind === 'vm' && screen.host === from && screen.vm === vm)
      set({ screen: { kind: 'vm', host: to, vm } });
  },
  setVmView: (update) => set({ vmView: update(get().vmView) }),
  setAddHostOpen: (addHostOpen) => set({ addHostOpen }),
  openProvision: (provision) => set({ provision }),
  closeProvision: () => set({ provision: null }),
  setDraggedSource: (draggedSource) => set({ draggedSource }),
}));
