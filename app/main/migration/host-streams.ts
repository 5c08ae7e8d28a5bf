// Bytes carried from one host to another through ConVirt's own SSH connections: no key, no
// trust and no route between the two hosts is needed for them.
import type { ClientChannel } from 'ssh2';
import { terminateChannel, type RemoteShell } from '../ssh/ssh-connection.js';

/** Resolves with the channel's exit status when it closes (null when it closed without one). */
function exitOf(channel: ClientChannel): Promise<number | null> {
  return new Promise((resolve) => {
    let code: number | null = null;
    channel.once('exit', (c: number | null) => (code = c));
    channel.once('close', () => resolve(code));
  });
}

/**
 * Runs `fromArgv` on one host and `toArgv` on another, the first's output fed to the second's
 * input (a disk file copied host to host). Rejects when either fails or `signal` aborts.
 */
export async function copyBetweenHosts(
  from: { shell: RemoteShell; argv: string[] },
  to: { shell: RemoteShell; argv: string[] },
  signal: AbortSignal,
  onBytes: (total: number) => void,
): Promise<void> {
  const reader = await from.shell.openChannel(from.argv);
  const writer = await to.shell.openChannel(to.argv).catch((err: unknown) => {
    reader.close();
    throw err;
  });
  const errors: string[] = [];
  reader.stderr.on('data', (d: Buffer) => errors.push(d.toString()));
  writer.stderr.on('data', (d: Buffer) => errors.push(d.toString()));
  let total = 0;
  reader.on('data', (d: Buffer) => {
    total += d.length;
    onBytes(total);
  });
  reader.pipe(writer);
  // The writer prints nothing, but its stream must flow: ssh2 emits a channel's 'close' only
  // after its output has been read to the end.
  writer.resume();
  const stop = () => {
    reader.close();
    writer.close();
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    const [readCode, writeCode] = await Promise.all([exitOf(reader), exitOf(writer)]);
    signal.throwIfAborted();
    if (readCode !== 0 || writeCode !== 0) {
      throw new Error(
        `Copying ${from.argv.at(-1)} failed (exit ${readCode} on ${from.shell.target}, ${writeCode} on ${to.shell.target}): ${errors.join('').trim()}`,
      );
    }
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/** A relay between two hosts, open until closed. */
export interface HostRelay {
  /** What the source runs to reach the target (an executable path on the source). */
  command: string;
  close(): Promise<void>;
}

/**
 * The relay script: whatever runs it talks to the target through two FIFOs that ConVirt reads
 * and writes over its SSH session to the source.
 */
const RELAY_SETUP = `set -e
d=$(mktemp -d "\${TMPDIR:-/tmp}/convirt-relay.XXXXXX")
mkfifo "$d/to-target" "$d/from-target"
printf '%s\\n' '#!/bin/sh' 'd=$(dirname "$0")' 'cat "$d/from-target" &' 'exec cat > "$d/to-target"' > "$d/relay"
chmod 700 "$d/relay"
echo "$d"`;

/**
 * Gives the source host a command that, run there, is connected to `targetArgv` running on the
 * target: libvirt's control connection for a migration, carried over ConVirt's two SSH sessions.
 */
export async function openHostRelay(
  source: RemoteShell,
  target: RemoteShell,
  targetArgv: string[],
): Promise<HostRelay> {
  const dir = (await source.run(['sh', '-c', RELAY_SETUP])).trim();
  const channels: ClientChannel[] = [];
  const close = async () => {
    channels.forEach(terminateChannel);
    await source.exec(['rm', '-rf', '--', dir]);
  };
  try {
    const up = await source.openChannel(['cat', `${dir}/to-target`]);
    channels.push(up);
    const down = await source.openChannel(['sh', '-c', 'cat > "$1"', 'sh', `${dir}/from-target`]);
    channels.push(down);
    const far = await target.openChannel(targetArgv);
    channels.push(far);
    // The client's end of input is not passed on: virt-ssh-helper quits on it, and the answer
    // to the client's last call (closing the connection) would be lost, so the client waited
    // for its keepalive timeout (about 35 s) before it returned. close() ends the far side.
    up.pipe(far, { end: false });
    far.pipe(down);
    // Every stream must be read to its end, or ssh2 never reports the channel closed (and its
    // slot is never given back): `down` and the error streams print nothing, or nothing needed.
    down.resume();
    for (const channel of channels) channel.stderr.resume();
  } catch (err) {
    await close();
    throw err;
  }
  return { command: `${dir}/relay`, close };
}
