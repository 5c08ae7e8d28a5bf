// A console's output, handed on in fewer, larger pieces: by main to the client (5 ms windows),
// and by the page to xterm (see app/renderer/src/consoles/paced-writes.ts). A serial console floods in chunks of a
// few bytes (the guest's UART sends a byte at a time, and every read of the pty on the host
// becomes an SSH packet); each piece costs a WebSocket frame, a decode, a terminal write and an
// acknowledgement. The first chunk after a quiet spell goes at once, so typing echoes without
// delay; what follows within the window goes together when it ends (VS Code batches a
// terminal's output by 5 ms the same way, without the leading edge).

/** How long output is gathered once it flows. */
export const BATCH_WINDOW_MS = 5;
/** A batch this big goes at once: a fast source is not held back by the window. */
export const BATCH_MAX_BYTES = 64 * 1024;

export interface BatcherTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

// Main (Node) and the page (a browser) both have these; shared code is typed with neither's lib.
declare function setTimeout(fn: () => void, ms: number): unknown;
declare function clearTimeout(handle: unknown): void;

const realTimers: BatcherTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle),
};

export class OutputBatcher {
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  /** Set while the window runs: output within it is gathered. */
  private window: unknown = null;
  /** Output came within the window that runs. */
  private cameInWindow = false;
  private flowing = false;
  /** Counts dispose calls: a flowChanged that disposes of the batcher ends the window there. */
  private disposals = 0;

  /**
   * `flowChanged` is told when output starts to flow (it came within a whole window) and when
   * it stops (a window passed without any).
   */
  constructor(
    private readonly send: (data: Uint8Array) => void,
    private readonly timers: BatcherTimers = realTimers,
    private readonly windowMs = BATCH_WINDOW_MS,
    private readonly maxBytes = BATCH_MAX_BYTES,
    private readonly flowChanged?: (flowing: boolean) => void,
  ) {}

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    if (this.window === null) {
      // The window first: a send that ends the console disposes of it, and nothing restarts it.
      this.startWindow();
      this.send(chunk);
      return;
    }
    this.cameInWindow = true;
    this.chunks.push(chunk);
    this.bytes += chunk.byteLength;
    if (this.bytes >= this.maxBytes) this.flush();
  }

  /** Hands on what is gathered now (the console ends, or a batch is full). */
  flush(): void {
    if (this.bytes === 0) return;
    const chunks = this.chunks;
    const data = chunks.length === 1 ? chunks[0]! : concat(chunks, this.bytes);
    this.chunks = [];
    this.bytes = 0;
    this.send(data);
  }

  /** Stops the window; what is gathered and not flushed is dropped. */
  dispose(): void {
    this.disposals++;
    if (this.window !== null) this.timers.clear(this.window);
    this.window = null;
    this.chunks = [];
    this.bytes = 0;
  }

  private startWindow(): void {
    this.cameInWindow = false;
    this.window = this.timers.set(() => {
      this.window = null;
      const came = this.cameInWindow;
      const disposals = this.disposals;
      if (came !== this.flowing) {
        this.flowing = came;
        this.flowChanged?.(came);
      }
      // Output came within the window: it goes now, and the next window gathers what follows.
      if (this.window === null && came && this.disposals === disposals) {
        this.startWindow();
        this.flush();
      }
    }, this.windowMs);
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
