// The one object the preload exposes to the page: the contract's methods (one IPC channel each)
// and `on` for its events, built from the declaration. The page never sees ipcRenderer.
import type { ClientOf, ContractErrorData, ContractSpec } from '../shared/contract/define.js';
import { IPC_EVENT_CHANNEL, ipcCallChannel } from '../shared/contract/ipc-channels.js';

/** The part of ipcRenderer used here. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

type Outcome = { result: unknown } | { error: ContractErrorData };

export function buildContractBridge<C extends ContractSpec>(
  contract: C,
  ipc: IpcRendererLike,
): ClientOf<C> {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  ipc.on(IPC_EVENT_CHANNEL, (_event, name, payload) => {
    if (typeof name === 'string') listeners.get(name)?.forEach((listener) => listener(payload));
  });
  const methods = Object.fromEntries(
    Object.keys(contract.methods).map((method) => [
      method,
      async (...args: unknown[]) => {
        const outcome = (await ipc.invoke(ipcCallChannel(method), ...args)) as Outcome;
        // contextBridge copies plain data faithfully but not an Error's own fields, so the
        // error goes to the page as data and the page rebuilds the ContractError.
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        if ('error' in outcome) throw outcome.error;
        return outcome.result;
      },
    ]),
  );
  return {
    ...methods,
    on(event: string, listener: (payload: unknown) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => void set.delete(listener);
    },
  } as unknown as ClientOf<C>;
}
