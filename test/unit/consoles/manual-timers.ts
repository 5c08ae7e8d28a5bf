// Timers run by hand, for the output batcher and what builds on it.
import type { BatcherTimers } from '../../../app/shared/consoles/output-batcher.js';

/** Timers run by hand: `fire()` ends the current window. */
export function manualTimers() {
  let pending: (() => void) | null = null;
  const timers: BatcherTimers = {
    set: (fn) => (pending = fn),
    clear: () => (pending = null),
  };
  return {
    timers,
    running: () => pending !== null,
    fire: () => {
      const fn = pending;
      pending = null;
      fn?.();
    },
  };
}
