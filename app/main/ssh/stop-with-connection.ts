// A long host command that stops when ConVirt's connection goes. sshd does not signal an exec's
// processes when the client disappears (no terminal, no SIGHUP): a provision.sh left sleeping
// would run on until its timeout, after ConVirt restarted and the operator retried. With the
// channel's standard input held open (ExecOptions.holdStdinOpen), its end means ConVirt is gone.

/**
 * Runs "$@" with its input from /dev/null; a watcher reads the channel's input (kept on fd 3:
 * a background list's own input would be /dev/null) and sends TERM to the command when it ends.
 * `timeout` passes TERM on to the whole process group it made. The exit status is the command's.
 */
const WATCHED = [
  'exec 3<&0',
  '"$@" </dev/null 3<&- & pid=$!',
  '{ cat <&3 >/dev/null 2>&1; kill -TERM "$pid" 2>/dev/null; } & watcher=$!',
  'exec 3<&-',
  'wait "$pid"; rc=$?',
  // The watcher's cat ends by itself when sshd closes the input after this shell exits.
  'kill "$watcher" 2>/dev/null',
  'exit $rc',
].join('\n');

/** argv wrapped to stop when the channel's input ends; run it with holdStdinOpen. */
export function stoppedWithConnection(argv: readonly string[]): string[] {
  return ['sh', '-c', WATCHED, 'sh', ...argv];
}
