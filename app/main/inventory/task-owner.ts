// Which ConVirt process runs a task. Several processes may share one inventory (the window and
// convirtctl): only a task whose process is gone was interrupted. A PID alone could be reused by
// another program after a crash, so the process's start time (Linux /proc) is kept beside it.
import { readFileSync } from 'node:fs';

export interface TaskOwner {
  /** How this process is written in the tasks it runs. */
  readonly id: string;
  /** Whether the process written as `owner` still runs. */
  isAlive(owner: string): boolean;
}

/** The start time of `pid` in clock ticks since boot (field 22 of /proc/PID/stat), if known. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function ownerId(pid: number): string {
  return `${pid}:${startTime(pid) ?? ''}`;
}

/** This process. */
export const currentProcessOwner: TaskOwner = {
  id: ownerId(process.pid),
  isAlive(owner) {
    const [pidText, started = ''] = owner.split(':');
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 0 || !pidRuns(pid)) return false;
    // Where start times are known, a different one is another program under a reused PID.
    const now = startTime(pid);
    return !started || now === undefined || now === started;
  },
};
