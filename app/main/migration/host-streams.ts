// Bytes carried from one host to another through ConVirt's own SSH connections: no key, no
// trust and no route between the two hosts is needed for them.
import {
  channelExit,
  describeExit,
  terminateChannel,
  type RemoteShell,
} from '../ssh/ssh-connection.js';
import { cleanupOnExit } from '../ssh/exit-traps.js';

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
  forward(reader, writer, { end: true });
  // The writer prints nothing, but its stream must flow: ssh2 emits a channel's 'close' only
  // after its output has been read to the end.
  writer.resume();
  const stop = () => {
    reader.close();
    writer.close();
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    const [read, written] = await Promise.all([channelExit(reader), channelExit(writer)]);
    signal.throwIfAborted();
    if (read.code !== 0 || written.code !== 0) {
      throw new Error(
        `Copying ${from.argv.at(-1)} failed (${describeExit(read)} on ${from.shell.target}, ${describeExit(written)} on ${to.shell.target}): ${errors.join('').trim()}`,
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
 * A shell function that stops the listed pids that are still this shell's children. dash and
 * busybox sh reap any child that ended while they wait for another, so a pid kept from `$!` may
 * belong to another process by the time it is killed; /proc/PID/stat names the parent (the 4th
 * field, after the command name in parentheses, which may hold spaces). A child not yet past its
 * exec loses the signal (the shell's handler takes it, and exec drops it), so the signal is sent
 * again, every 0.1 s for up to 5 s, until no listed child is left but zombies (state Z).
 */
export const KILL_OWN = `kill_own() { n=0; while :; do left=; for p; do s=; read -r s 2>/dev/null <"/proc/$p/stat"; s=\${s##*) }; case $s in [!Z]" $$ "*) kill "$p" 2>/dev/null; left=1 ;; esac; done; [ -n "$left" ] && [ $((n += 1)) -le 50 ] || return 0; sleep 0.1; done; }`;

/** What the relay prints before its folder; the host's own lines around it are ignored. */
const RELAY_DIR_MARKER = 'convirt-relay-dir ';
/** The folder RELAY_SCRIPT's mktemp makes. */
const RELAY_DIR = /^\/(?:.*\/)?convirt-relay\.[A-Za-z0-9]{6}$/;

/**
 * What the source runs for the relay, as one session: its output is what the client sends to the
 * target, its input what the target answers. It makes a folder with two FIFOs and the relay
 * command, prints the folder on its error output after RELAY_DIR_MARKER, and ends when its input
 * ends (the target's side closed) or on a signal, taking its `cat`s and the folder with it.
 *
 * The FIFOs are opened read-write here (Linux), so no `cat` blocks opening one whether or not the
 * client ever runs the relay. The relay command opens the answers' FIFO before it sends anything:
 * a target quick to answer and close would otherwise leave its answer in a FIFO nobody had open. The relay command's last `cat` copies the target's answers; when the
 * target's side ends it ends, and the relay kills its writer, the other holder of the client's
 * socket: the client sees its connection end. Were the writer left, the client would wait for an
 * answer that virt-ssh-helper, quitting as soon as libvirtd closes, may have dropped: that is the
 * 35 s (virsh's keepalive, 5 s x 7) that one migration in three waited after it had finished.
 */
export const RELAY_SCRIPT = `${KILL_OWN}
d=$(mktemp -d "\${TMPDIR:-/tmp}/convirt-relay.XXXXXX") || exit 1
${cleanupOnExit('kill_own $up $down; rm -rf "$d"')}
mkfifo "$d/to-target" "$d/from-target" || exit 1
cat >"$d/relay" <<'EOF' || exit 1
#!/bin/sh
${KILL_OWN}
d=$(dirname "$0")
exec 3<&0 4<"$d/from-target"
cat <&3 4<&- >"$d/to-target" & writer=$!
exec 3<&-
cat <&4
kill_own $writer
EOF
chmod 700 "$d/relay" || exit 1
exec 3<&0 4<>"$d/to-target" 5<>"$d/from-target"
cat <&4 3<&- 5>&- & up=$!
cat <&3 >&5 4<&- & down=$!
exec 3<&- 4<&- 5>&-
printf '%s%s\\n' '${RELAY_DIR_MARKER}' "$d" >&2
wait $down`;

/**
 * Pipes `from` into `to`, and keeps reading `from` to its end should `to` close first: ssh2
 * reports a channel closed (and the connection gives its slot back) only once its output has
 * been read to the end, which a pipe stops doing when its destination closes.
 */
export function forward(
  from: NodeJS.ReadableStream,
  to: NodeJS.WritableStream & { once(event: 'close', listener: () => void): unknown },
  options: { end: boolean },
): void {
  from.pipe(to, options);
  to.once('close', () => {
    from.unpipe(to);
    from.resume();
  });
}

/**
 * Resolves with the folder the relay prints on `stream`, its error output, where the host's login
 * shell may have printed first (rc files, locale warnings): only the marked line counts.
 */
function relayFolder(stream: NodeJS.ReadableStream, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const settle = (outcome: () => void) => {
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      outcome();
    };
    const onData = (d: Buffer) => {
      text += d.toString();
      const marked = text
        .split('\n')
        .slice(0, -1)
        .find((line) => line.includes(RELAY_DIR_MARKER));
      if (marked === undefined) return;
      // The host's own output may lack a final newline and so share the marker's line.
      const folder = marked.slice(marked.lastIndexOf(RELAY_DIR_MARKER) + RELAY_DIR_MARKER.length);
      settle(() =>
        RELAY_DIR.test(folder)
          ? resolve(folder)
          : reject(
              new Error(
                `The relay on ${target} gave ${JSON.stringify(folder)} as its folder, not one its mktemp makes (…/convirt-relay.XXXXXX)`,
              ),
            ),
      );
    };
    const onEnd = () =>
      settle(() => reject(new Error(`The relay on ${target} did not start: ${text.trim()}`)));
    stream.on('data', onData);
    stream.once('end', onEnd);
  });
}

/**
 * Gives the source host a command that, run there, is connected to `targetArgv` running on the
 * target: libvirt's control connection for a migration, carried over ConVirt's two SSH sessions,
 * one on each host.
 */
export async function openHostRelay(
  source: RemoteShell,
  target: RemoteShell,
  targetArgv: string[],
): Promise<HostRelay> {
  const [near, far] = await Promise.allSettled([
    source.openChannel(['sh', '-c', RELAY_SCRIPT]),
    target.openChannel(targetArgv),
  ]);
  const opened = [near, far].flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
  const close = () => {
    opened.forEach(terminateChannel);
    return Promise.resolve();
  };
  if (near.status === 'rejected' || far.status === 'rejected') {
    await close();
    throw near.status === 'rejected' ? near.reason : (far as PromiseRejectedResult).reason;
  }
  const [nearChannel, farChannel] = [near.value, far.value];
  // Whatever either prints on its error output is read (and dropped), so each can close.
  const dir = relayFolder(nearChannel.stderr, source.target);
  farChannel.stderr.resume();
  // The client's end of input is not passed on: virt-ssh-helper quits on it, and the answer to
  // the client's last call (closing the connection) would be lost. The target's end is passed
  // on: it ends the relay on the source, and the client's connection with it.
  forward(nearChannel, farChannel, { end: false });
  forward(farChannel, nearChannel, { end: true });
  try {
    const folder = await dir;
    nearChannel.stderr.resume();
    return { command: `${folder}/relay`, close };
  } catch (err) {
    await close();
    throw err;
  }
}
