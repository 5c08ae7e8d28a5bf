// convirtctl: ConVirt for scripts and operators without a display. A client of the contract the
// UI uses, in process: each command (commands/) calls contract methods and nothing else of main.
// Exit status: 0 ok, 1 the operation failed, 2 bad usage or refused input (nothing was run).
import { parseArgs } from 'node:util';
import type { ConvirtService } from '../../shared/contract/convirt-contract.js';
import { ContractError, type ErrorCode } from '../../shared/contract/define.js';
import { InvalidInputError } from '../../shared/validation/names.js';
import { ConfigError } from '../config/index.js';
import { openCtlClient, type CtlClient, type ConsoleListener } from './client.js';
import { findCommand, OPTIONS, usageText, type OptionValues } from './command-table.js';
import { COMMANDS } from './commands/index.js';
import { printTaskOutcome, UsageError, type Io } from './io.js';

export { UsageError } from './io.js';
export const USAGE = usageText(COMMANDS);

/** Contract errors that mean the request was refused and nothing ran: exit 2. */
const REFUSED: ReadonlySet<ErrorCode> = new Set([
  'invalid-input',
  'host-key-unknown',
  'host-key-changed',
  'not-supported',
]);

export async function main(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    io.err((err as Error).message);
    io.err(USAGE);
    return 2;
  }
  const { positionals } = parsed;
  const values: OptionValues = parsed.values;
  if (values.help || positionals.length === 0) {
    io.out(USAGE);
    return positionals.length > 0 || values.help ? 0 : 2;
  }
  const json = values.json === true;

  let client: CtlClient | undefined;
  const consoles: ConsoleListener[] = [];
  const convirt = async (): Promise<ConvirtService> => {
    if (!client) {
      client = openCtlClient(
        {
          ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
          ...(values.config ? { configFile: values.config } : {}),
          remember: values.remember === true,
          ...(values['passphrase-file'] ? { passphraseFile: values['passphrase-file'] } : {}),
          ...(values['image-cache'] ? { imageCache: values['image-cache'] } : {}),
          ...(values['pool-dir'] ? { poolDir: values['pool-dir'] } : {}),
          ...(values['shared-pool'] ? { sharedPool: values['shared-pool'] } : {}),
        },
        io,
      );
      consoles.forEach((listener) => client!.onConsole(listener));
    }
    return Promise.resolve(client.service);
  };
  try {
    const found = findCommand(COMMANDS, positionals);
    if (!found) throw new UsageError(`Unknown command: ${positionals.join(' ')}`);
    return await found.command.run({
      args: found.args,
      values,
      json,
      io,
      convirt,
      finish: async (task) => {
        const { task: done, refused } = await (await convirt()).waitForTask(task.id);
        const code = printTaskOutcome(done, io, json);
        // Refused by the task's own checks on the host (no room, a name taken): nothing was made.
        return refused ? 2 : code;
      },
      onConsole: (listener) => {
        consoles.push(listener);
        client?.onConsole(listener);
      },
    });
  } catch (caught) {
    // A question that could not be answered (an unreadable passphrase file) is the real error.
    const err = (client?.promptFailure as Error | undefined) ?? caught;
    return reportError(err, io);
  } finally {
    client?.close();
  }
}

/** Prints what went wrong; the exit status says whether it was refused (2) or failed (1). */
function reportError(err: unknown, io: Io): number {
  const error = err instanceof Error ? err : new Error(String(err));
  io.err(error.message);
  if (err instanceof ContractError && err.data.code === 'host-key-unknown') {
    io.err(`To trust it: convirtctl host add ... --accept-host-key ${err.data.fingerprint}`);
  }
  if (err instanceof UsageError) io.err(USAGE);
  const refused =
    err instanceof UsageError ||
    err instanceof InvalidInputError ||
    err instanceof ConfigError ||
    (err instanceof ContractError && REFUSED.has(err.data.code));
  return refused ? 2 : 1;
}
