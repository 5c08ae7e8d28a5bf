// The renderer's one way to reach main: the preload's object in Electron, a WebSocket in browser
// mode; both give the same ConvirtClient built from the contract's method names.
import {
  convirtContract,
  type ConvirtClient,
  type ConvirtContract,
} from '../../../shared/contract/convirt-contract.js';
import { contractErrorFrom } from '../../../shared/contract/define.js';
import {
  connectSocketClient,
  type SocketClient,
  type SocketLike,
} from '../../../shared/contract/socket-client.js';

export type { ConnectionState } from '../../../shared/contract/socket-client.js';

/** What connect() gives: the contract's client, plus the state of the connection under it. */
export type ConnectedClient = SocketClient<ConvirtContract>;

/** The path browser mode serves the contract on (app/main/browser-mode). */
export const CONTRACT_PATH = '/contract';

export function connect(): Promise<ConnectedClient> {
  const bridge = (globalThis as { convirt?: ConvirtClient }).convirt;
  if (bridge && typeof bridge.on === 'function') return Promise.resolve(fromBridge(bridge));
  const { protocol, host } = globalThis.location;
  const url = `${protocol === 'https:' ? 'wss' : 'ws'}://${host}${CONTRACT_PATH}`;
  return connectSocketClient(convirtContract, {
    open: () => new WebSocket(url) as unknown as SocketLike,
    later: (fn, ms) => void setTimeout(fn, ms),
    // The server forgets a client's focus when its connection drops.
    replay: ['setFocus'],
  });
}

/**
 * Electron: the preload built the client already; its connection cannot drop. Errors cross
 * contextBridge as plain data, so each method turns them back into ContractErrors.
 */
function fromBridge(bridge: ConvirtClient): ConnectedClient {
  const methods = Object.fromEntries(
    Object.keys(convirtContract.methods).map((name) => {
      const method = (bridge as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[
        name
      ]!;
      return [
        name,
        (...args: unknown[]) =>
          method(...args).catch((reason: unknown) => {
            throw contractErrorFrom(reason);
          }),
      ];
    }),
  );
  return {
    ...methods,
    on: ((event, listener) => bridge.on(event, listener)) as ConvirtClient['on'],
    onConnectionChange: () => () => undefined,
    disconnect: () => undefined,
  } as unknown as ConnectedClient;
}
