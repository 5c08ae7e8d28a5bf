// Consoles: a VM's serial or graphical console, or a local terminal, each owned by the client
// that opened it (its output goes there alone, and only it may type into or close it).
import { ContractError } from '../../../shared/contract/define.js';
import type { ApiContext, Slice } from './context.js';

export function consolesApi({
  options,
  checks,
  client,
}: ApiContext): Slice<
  | 'openConsole'
  | 'openLocalTerminal'
  | 'consoleInput'
  | 'consoleResize'
  | 'consoleAck'
  | 'closeConsole'
> {
  const manager = options.consoles;
  const owned = (consoleId: string): string => {
    if (!client.consoles.has(consoleId)) {
      throw new ContractError({ code: 'not-found', message: 'No such console is open here.' });
    }
    return consoleId;
  };
  return {
    openConsole: async ({ host, vm }, kind, size) => {
      checks.requireVm({ host, vm });
      const opened = await manager.openVmConsole(client.consoleSink, host, vm, kind, size);
      client.consoles.add(opened.consoleId);
      return opened;
    },
    openLocalTerminal: async (size) => {
      if (!options.localTerminal) {
        throw new ContractError({
          code: 'unauthorized',
          message:
            'The local terminal is off. In browser mode, start ConVirt with --enable-local-terminal.',
        });
      }
      const opened = await manager.openLocalTerminal(client.consoleSink, size);
      client.consoles.add(opened.consoleId);
      return opened;
    },
    consoleInput: (consoleId, data) => manager.input(owned(consoleId), data),
    consoleResize: (consoleId, cols, rows) => manager.resize(owned(consoleId), cols, rows),
    consoleAck: (consoleId, bytes) => manager.ack(owned(consoleId), bytes),
    closeConsole: (consoleId) => {
      manager.close(owned(consoleId));
      client.consoles.delete(consoleId);
    },
  };
}
