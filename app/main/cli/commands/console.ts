// vm console: the VM's serial console on this terminal, through the contract's console calls
// (the output is acknowledged as it is written, so a flood pauses the host's side).
import type { Command } from '../command-table.js';
import { splitVmRef } from '../io.js';

/** Ctrl+]: leaves the console, as virsh console does. */
const LEAVE = 0x1d;

export const consoleCommands: Command[] = [
  {
    name: 'vm console',
    usage: 'HOST/VM',
    summary: "A VM's serial console on this terminal (Ctrl+] leaves).",
    run: async ({ args, io, convirt, onConsole }) => {
      const ref = splitVmRef(args[0]);
      const service = await convirt();
      const size = io.stdout.isTTY ? { cols: io.stdout.columns, rows: io.stdout.rows } : undefined;
      // The only console this client opens: its output may arrive before openConsole answers.
      const closed = new Promise<void>((resolve) =>
        onConsole({
          data: (id, data) => {
            io.stdout.write(data);
            void service.consoleAck(id, data.byteLength).catch(() => undefined);
          },
          closed: () => resolve(),
        }),
      );
      const { consoleId: id } = await service.openConsole(ref, 'serial', size);
      io.err(`Connected to ${ref.host}/${ref.vm}. Ctrl+] leaves.`);
      const stdin = io.stdin;
      if (stdin.isTTY) stdin.setRawMode(true);
      const onInput = (d: Buffer) => {
        const leave = d.indexOf(LEAVE);
        const typed = leave < 0 ? d : d.subarray(0, leave);
        if (typed.length > 0)
          void service.consoleInput(id, new Uint8Array(typed)).catch(() => undefined);
        if (leave >= 0) void service.closeConsole(id).catch(() => undefined);
      };
      stdin.on('data', onInput);
      await closed;
      stdin.off('data', onInput);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      io.err('\nConsole closed.');
      return 0;
    },
  },
];
