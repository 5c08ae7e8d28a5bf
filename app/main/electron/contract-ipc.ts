// The contract over Electron IPC: one handler per declared method, registered from the
// declaration. Each call is accepted only from the app's own page (the main frame of a window we
// opened, showing our renderer file) and its arguments are parsed in main before the service
// sees them. Answers are CallOutcomes; the preload turns errors back into ContractErrors.
import type { ContractSpec, ServiceOf } from '../../shared/contract/define.js';
import { ipcCallChannel } from '../../shared/contract/ipc-channels.js';
import { dispatchCall, type CallOutcome } from '../contract-server/dispatch.js';

/** The frame an IPC message came from (Electron's WebFrameMain fits). */
export interface SenderFrame {
  readonly url: string;
  readonly parent: unknown;
}

/** What a handler is given (Electron's IpcMainInvokeEvent fits). */
export interface InvokeEvent {
  readonly sender: { readonly id: number };
  readonly senderFrame: SenderFrame | null;
}

/** The part of ipcMain used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface ContractIpcOptions<C extends ContractSpec> {
  contract: C;
  /** The service of the window whose webContents has this id; undefined if none. */
  serviceFor(webContentsId: number): ServiceOf<C> | undefined;
  /** The renderer's own URL (file:///.../index.html): the only page that may call. */
  rendererUrl: string;
}

/** Only our page, in a window's main frame, may call. */
export function isTrustedFrame(frame: SenderFrame | null, rendererUrl: string): boolean {
  if (!frame || frame.parent) return false;
  try {
    const url = new URL(frame.url);
    const expected = new URL(rendererUrl);
    return url.protocol === expected.protocol && url.pathname === expected.pathname;
  } catch {
    return false;
  }
}

/** Registers one handler per method; returns a function that removes them all. */
export function registerContractIpc<C extends ContractSpec>(
  ipcMain: IpcMainLike,
  options: ContractIpcOptions<C>,
): () => void {
  const channels = Object.keys(options.contract.methods).map((method) => {
    const channel = ipcCallChannel(method);
    ipcMain.handle(channel, (event, ...args): Promise<CallOutcome> | CallOutcome => {
      const service = options.serviceFor(event.sender.id);
      if (!service || !isTrustedFrame(event.senderFrame, options.rendererUrl)) {
        return {
          error: { code: 'unauthorized', message: 'Calls are accepted only from ConVirt’s page.' },
        };
      }
      return dispatchCall(options.contract, service, method, args);
    });
    return channel;
  });
  return () => channels.forEach((channel) => ipcMain.removeHandler(channel));
}
