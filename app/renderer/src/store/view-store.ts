// What the main area shows (dashboard, every VM, templates and ISOs, a host, a VM) and which dialogs are open.
import { create } from 'zustand';

export type Screen =
  | { kind: 'dashboard' }
  | { kind: 'all-vms' }
  | { kind: 'templates' }
  | { kind: 'host'; host: string }
  | { kind: 'vm'; host: string; vm: string };

interface ViewState {
  screen: Screen;
  addHostOpen: boolean;
  show: (screen: Screen) => void;
  setAddHostOpen: (open: boolean) => void;
}

export const useViewStore = create<ViewState>((set) => ({
  screen: { kind: 'dashboard' },
  addHostOpen: false,
  show: (screen) => set({ screen }),
  setAddHostOpen: (addHostOpen) => set({ addHostOpen }),
}));
