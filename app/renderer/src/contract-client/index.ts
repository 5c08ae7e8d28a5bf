// The renderer's one way to reach main: the preload's object in Electron, a WebSocket in browser
// mode; both give the same ConvirtClient built from the contract.
// SKELETON: the transports branch replaces this with the real implementation.
import type { ConvirtClient } from '../../../shared/contract/convirt-contract.js';

export function connect(): Promise<ConvirtClient> {
  return Promise.reject(new Error('No transport in this build yet.'));
}
