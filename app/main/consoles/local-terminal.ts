// A shell on this machine in a pseudo-terminal (node-pty), for the desktop's local terminal tab.
// node-pty is a native module: it is loaded on first use, so a build without it still runs and
// only this feature refuses, with a plain message.
import { homedir } from 'node:os';
import type * as NodePty from 'node-pty';

export async function spawnLocalShell(size: { cols: number; rows: number }): Promise<NodePty.IPty> {
  let nodePty: typeof NodePty;
  try {
    nodePty = await import('node-pty');
  } catch (err) {
    throw new Error(
      `The local terminal is not available: node-pty could not be loaded (${(err as Error).message}).`,
      { cause: err },
    );
  }
  const shell = process.env.SHELL || '/bin/sh';
  return nodePty.spawn(shell, [], {
    name: 'xterm-256color',
    cols: size.cols,
    rows: size.rows,
    cwd: homedir(),
    env: { ...process.env, TERM: 'xterm-256color' },
    // Bytes, not strings: the client decodes them, and acks count bytes.
    encoding: null,
  });
}
