// A console's output written to xterm in pieces, at most one every RENDER_WINDOW_MS while it
// flows. xterm's DOM renderer redraws every row that scrolled at each frame it has new output
// for: a serial flood written as it came kept Chromium on most of a core (0.73-0.80 here,
// bench:console-render) redrawing sixty times a second, CPU taken from everything else on the
// operator's machine. At about thirty redraws a second it took 0.41-0.46. The first output after
// a quiet spell is written at once, so a typed key's echo waits for nothing.
import { OutputBatcher, type BatcherTimers } from '../../../shared/consoles/output-batcher.js';

/** While output flows, what arrives within this long is written in one piece. */
export const RENDER_WINDOW_MS = 33;

export interface WritableTerminal {
  write(data: Uint8Array, callback: () => void): void;
}

export interface PacedWrites {
  /** Writes `data` now or with the next piece; `done` runs once xterm has processed it. */
  write(data: Uint8Array, done: () => void): void;
  /** Writes what is held now (the console ended: its last output must show). */
  flush(): void;
  dispose(): void;
}

/** `flowChanged` is told when output starts and stops flowing (see OutputBatcher). */
export function pacedWrites(
  term: WritableTerminal,
  timers?: BatcherTimers,
  flowChanged?: (flowing: boolean) => void,
): PacedWrites {
  // The acknowledgements of the chunks in the piece being gathered, in order.
  let waiting: (() => void)[] = [];
  // Output can still come after the view is gone (a console that opened as it closed).
  let disposed = false;
  const batcher = new OutputBatcher(
    (data) => {
      const dones = waiting;
      waiting = [];
      term.write(data, () => dones.forEach((done) => done()));
    },
    timers,
    RENDER_WINDOW_MS,
    undefined,
    flowChanged,
  );
  return {
    write(data, done) {
      if (disposed) return;
      if (data.byteLength === 0) return done(); // nothing to write: nothing to wait for
      waiting.push(done);
      batcher.push(data);
    },
    flush() {
      if (!disposed) batcher.flush();
    },
    dispose() {
      disposed = true;
      batcher.dispose();
      waiting = [];
    },
  };
}
