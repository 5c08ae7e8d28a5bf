// The Electron IPC channels the contract travels on: one per method (so main registers exactly
// the declared methods), one for events.
export const IPC_EVENT_CHANNEL = 'convirt:event';

export function ipcCallChannel(method: string): string {
  return `convirt:call:${method}`;
}
