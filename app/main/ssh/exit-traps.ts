// Cleanup in the shell scripts ConVirt runs on hosts, run to its end whatever signals arrive.

/** The signals that end a host script early: ConVirt's TERM, sshd's HUP, a closed pipe. */
const STOP_SIGNALS = 'HUP INT TERM PIPE';

/**
 * A trap action (to be single-quoted) that first ignores every stop signal. ConVirt stops a
 * channel with TERM and then closes it, which brings HUP or PIPE: a second signal arriving while
 * a trap runs would otherwise end the shell there, its cleanup half done (dash, busybox sh and
 * bash alike).
 */
export function uninterrupted(action: string): string {
  return `trap "" ${STOP_SIGNALS}; ${action}`;
}

/**
 * The lines that run `cleanup` (shell commands, single-quote free) when the script exits, on its
 * own or by a stop signal. dash and busybox sh skip the EXIT trap when an untrapped signal kills
 * them: trapped, the signal becomes an exit, and the cleanup runs once, to its end.
 */
export function cleanupOnExit(cleanup: string): string {
  if (cleanup.includes("'")) throw new Error('A trap action here cannot hold a single quote.');
  return [
    `trap '${uninterrupted(cleanup)}' EXIT`,
    `trap '${uninterrupted('exit 143')}' ${STOP_SIGNALS}`,
  ].join('\n');
}
