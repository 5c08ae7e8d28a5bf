// The image store's appliances, fetched once and shared by the panel and the provisioning dialog.
import { useEffect } from 'react';
import { create } from 'zustand';
import type { ApplianceInfo, ConvirtClient } from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { errorMessage } from '../common/errors.js';

interface ApplianceState {
  appliances: ApplianceInfo[] | null;
  error: string | null;
  loading: boolean;
  load: (client: ConvirtClient) => void;
}

export const useApplianceStore = create<ApplianceState>((set, get) => ({
  appliances: null,
  error: null,
  loading: false,
  load(client) {
    if (get().loading) return;
    set({ loading: true });
    client
      .listAppliances()
      .then((appliances) => set({ appliances, error: null }))
      .catch((err: unknown) => set({ error: errorMessage(err) }))
      .finally(() => set({ loading: false }));
  },
}));

/** The appliances, loading them on first use. */
export function useAppliances(): Omit<ApplianceState, 'load'> & { reload: () => void } {
  const client = useClient();
  const state = useApplianceStore();
  const loaded = state.appliances !== null;
  useEffect(() => {
    if (!loaded) useApplianceStore.getState().load(client);
  }, [client, loaded]);
  return { ...state, reload: () => state.load(client) };
}
