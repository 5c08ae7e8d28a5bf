// A process that does nothing but measure its own event-loop delay, run beside a benchmark as
// its baseline: on a loaded machine an idle process's timers are late too, because it waits
// for a core, and that part of the manager's delay is the machine's, not the manager's.
// Messages: 'reset' starts a window; 'report' answers with the window's p99 in ms.
import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const RESOLUTION_MS = 10;

if (process.env.CONVIRT_IDLE_LOOP_PROBE === '1') {
  let histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  process.on('message', (message) => {
    if (message === 'reset') {
      histogram.disable();
      histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
      histogram.enable();
    } else if (message === 'report') {
      // The histogram's delays include its own resolution: subtract it, as the bench does.
      process.send!(Math.max(0, histogram.percentile(99) / 1e6 - RESOLUTION_MS));
    }
  });
}

export interface IdleLoopProbe {
  reset(): void;
  /** The event-loop delay p99 (ms) of the idle process since the last reset. */
  p99(): Promise<number>;
  stop(): void;
}

export function startIdleLoopProbe(): IdleLoopProbe {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, CONVIRT_IDLE_LOOP_PROBE: '1' },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return {
    reset: () => child.send('reset'),
    // NaN if the probe has gone or does not answer within a second.
    p99: () =>
      new Promise((resolve) => {
        if (!child.connected) return resolve(NaN);
        const timer = setTimeout(() => resolve(NaN), 1000);
        child.once('message', (value) => {
          clearTimeout(timer);
          resolve(Number(value));
        });
        child.send('report');
      }),
    stop: () => child.kill(),
  };
}
