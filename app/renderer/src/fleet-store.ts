import { create } from 'zustand';

export interface HostRow {
  name: string;
  connected: boolean;
}

interface FleetState {
  hosts: HostRow[];
  setHosts(hosts: HostRow[]): void;
}

export const useFleetStore = create<FleetState>((set) => ({
  hosts: [],
  setHosts: (hosts) => set({ hosts }),
}));
