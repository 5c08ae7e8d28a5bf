// The ConvirtClient every screen talks through, provided once at the root.
import { createContext, useContext } from 'react';
import type { ConvirtClient } from '../../shared/contract/convirt-contract.js';

export const ClientContext = createContext<ConvirtClient | null>(null);

export function useClient(): ConvirtClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient outside <ClientContext.Provider>.');
  return client;
}
