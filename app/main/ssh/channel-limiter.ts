/** A counting semaphore: at most `limit` channels of one connection open at once, FIFO. */
export class ChannelLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`Invalid channel limit ${limit}`);
  }

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with a release function once a slot is free. Release is idempotent. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.active++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.active--;
          this.waiting.shift()?.();
        });
      };
      if (this.active < this.limit) grant();
      else this.waiting.push(grant);
    });
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }

  /**
   * Like run, but the slot is given up after `holdAtMostMs` even while the task goes on: bounds
   * how many tasks START at once, so that one slow task cannot hold the others back for long.
   */
  async runStaggered<T>(task: () => Promise<T>, holdAtMostMs: number): Promise<T> {
    const release = await this.acquire();
    const timer = setTimeout(release, holdAtMostMs);
    try {
      return await task();
    } finally {
      clearTimeout(timer);
      release();
    }
  }
}
