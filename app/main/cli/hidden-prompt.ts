// Asking for a secret on the terminal without echoing it: readline still handles line editing
// (backspace, Ctrl-U), but what it would echo goes nowhere, so a password never appears on screen
// or in a terminal's scrollback.
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';

export class PromptCancelledError extends Error {
  constructor() {
    super('Cancelled at the prompt; nothing was done.');
    this.name = 'PromptCancelledError';
  }
}

export async function askHidden(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  question: string,
): Promise<string> {
  output.write(question);
  const nowhere = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input, output: nowhere, terminal: true });
  const cancel = new AbortController();
  // Raw mode turns Ctrl-C into a readline event instead of a signal: treat it as cancel.
  rl.on('SIGINT', () => cancel.abort());
  try {
    return await rl.question('', { signal: cancel.signal });
  } catch (err) {
    if (cancel.signal.aborted) throw new PromptCancelledError();
    throw err;
  } finally {
    rl.close();
    output.write('\n');
  }
}
