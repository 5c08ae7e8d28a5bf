// A long host command that stops when ConVirt's connection goes. sshd does not signal an exec's
// processes when the client disappears (no terminal, no SIGHUP): a provision.sh left sleeping
// would run on until its timeout, after ConVirt restarted and the operator retried. With the
// channel's standard input held open (ExecOptions.holdStdinOpen), its end means ConVirt is gone.

/**
 * Runs "$@" in a session of its own (setsid, where the host has it) with its input from
 * /dev/null. A watcher reads the channel's input (kept on fd 3: a background list's own input
 * would be /dev/null) and, when it ends, sends TERM to the command's whole process group: busybox's
 * `timeout` (the Xen dom0's) execs its command in place and passes nothing on to its children.
 * `kill -- -PGID` is dash's form, `kill -PGID` busybox's. The watcher is stopped once the command
 * ends, if it is still this shell's child (a reaped watcher's pid may be someone else's by then).
 * The exit status is the command's.
 */
const WATCHED = [
  'exec 3<&0',
  'if command -v setsid >/dev/null 2>&1; then setsid "$@" </dev/null 3<&- & else "$@" </dev/null 3<&- & fi',
  'pid=$!',
  '{ cat <&3; kill -s TERM -- -"$pid" || kill -s TERM -"$pid" || kill -s TERM "$pid"; } >/dev/null 2>&1 &',
  'watcher=$!',
  'exec 3<&-',
  'wait "$pid"; rc=$?',
  'if [ -r "/proc/$watcher/stat" ]; then set -- $(cat "/proc/$watcher/stat"); [ "$4" = "$$" ] && kill "$watcher" 2>/dev/null; fi',
  'exit $rc',
].join('\n');

/** argv wrapped to stop when the channel's input ends; run it with holdStdinOpen. */
export function stoppedWithConnection(argv: readonly string[]): string[] {
  return ['sh', '-c', WATCHED, 'sh', ...argv];
}
