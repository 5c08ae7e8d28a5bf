// What the main area shows (dashboard, every VM, a host, a VM, the image store, templates and
// ISOs, image-list catalogs) and which dialogs are open.
import { create } from 'zustand';
import type { ProvisionSource } from '../image-store/provision-form.js';

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

interface ViewState {
  screen: Screen;
  addHostOpen: boolean;
  provision: ProvisionRequest | null;
  /** The appliance or template being dragged, so hosts can tell during the drag whether they take it. */
  draggedSource: ProvisionSource | null;
  show: (screen: Screen) => void;
  setAddHostOpen: (open: boolean) => void;
  openProvision: (request: ProvisionRequest) => void;
  closeProvision: () => void;
  setDraggedSource: (source: ProvisionSource | null) => void;
}

export const useViewStore = create<ViewState>((set) => ({
  screen: { kind: 'dashboard' },
  addHostOpen: false,
  provision: null,
  draggedSource: null,
  show: (screen) => set({ screen }),
  setAddHostOpen: (addHostOpen) => set({ addHostOpen }),
  openProvision: (provision) => set({ provision }),
  closeProvision: () => set({ provision: null }),
  setDraggedSource: (draggedSource) => set({ draggedSource }),
}));
