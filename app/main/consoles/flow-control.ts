// Flow control of one console: the sender stops reading its source (the SSH channel or the pty)
// while the client has too much data it has not processed yet, so a flood of output waits on
// the host instead of piling up in memory or freezing the window. The same numbers as VS Code's
// and Tabby's terminals.

/** Pause the source when more than this many bytes sent to the client are unacknowledged. */
export const PAUSE_ABOVE_BYTES = 100_000;
/** Resume it once the unacknowledged bytes drop below this. */
export const RESUME_BELOW_BYTES = 5_000;

export interface FlowStats {
  /** Bytes handed to the client. */
  sent: number;
  /** Bytes the client acknowledged. */
  acked: number;
  /** How many times the source was paused. */
  pauses: number;
  /** The most bytes ever outstanding at once. */
  maxUnacked: number;
  paused: boolean;
}

export class FlowControl {
  private sentBytes = 0;
  private ackedBytes = 0;
  private pauseCount = 0;
  private maxOutstanding = 0;
  private isPaused = false;

  constructor(
    private readonly source: { pause(): void; resume(): void },
    private readonly pauseAbove = PAUSE_ABOVE_BYTES,
    private readonly resumeBelow = RESUME_BELOW_BYTES,
  ) {
    if (!(resumeBelow >= 0 && resumeBelow <= pauseAbove)) {
      throw new Error(`Invalid flow control thresholds ${resumeBelow}..${pauseAbove}`);
    }
  }

  get unacked(): number {
    return this.sentBytes - this.ackedBytes;
  }

  /** Records bytes handed to the client; pauses the source above the high mark. */
  sent(bytes: number): void {
    this.sentBytes += bytes;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.unacked);
    if (!this.isPaused && this.unacked > this.pauseAbove) {
      this.isPaused = true;
      this.pauseCount++;
      this.source.pause();
    }
  }

  /**
   * Records bytes the client has processed; resumes the source below the low mark. A client
   * acknowledging more than it was sent is clamped rather than trusted.
   */
  acked(bytes: number): void {
    if (!Number.isFinite(bytes) || bytes <= 0) return;
    this.ackedBytes = Math.min(this.sentBytes, this.ackedBytes + bytes);
    if (this.isPaused && this.unacked < this.resumeBelow) {
      this.isPaused = false;
      this.source.resume();
    }
  }

  stats(): FlowStats {
    return {
      sent: this.sentBytes,
      acked: this.ackedBytes,
      pauses: this.pauseCount,
      maxUnacked: this.maxOutstanding,
      paused: this.isPaused,
    };
  }
}
