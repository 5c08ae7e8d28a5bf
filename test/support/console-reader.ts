import type { Duplex } from 'node:stream';

/** Collects what a console prints and waits, on data events, for a pattern to appear. */
export class ConsoleReader {
  private text = '';
  private waiters: Array<() => void> = [];

  constructor(readonly stream: Duplex) {
    stream.on('data', (d: Buffer) => {
      this.text += d.toString('utf8');
      for (const w of this.waiters.splice(0)) w();
    });
  }

  get output(): string {
    return this.text;
  }

  /** Resolves with the match once `pattern` appears in the output after `from`. */
  waitFor(pattern: RegExp, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `Console did not show ${pattern} within ${timeoutMs} ms. Output:\n${this.text.slice(-2000)}`,
          ),
        );
      }, timeoutMs);
      const test = () => {
        const m = pattern.exec(this.text.slice(from));
        if (m) {
          clearTimeout(timer);
          resolve(m);
        } else this.waiters.push(test);
      };
      test();
    });
  }

  /**
   * Types `keys` every `everyMs` until `pattern` appears: virsh prints its banner just before it
   * switches the terminal to raw mode, which throws away what was typed in between.
   */
  async poke(
    keys: string,
    pattern: RegExp,
    timeoutMs: number,
    everyMs = 1000,
  ): Promise<RegExpExecArray> {
    const from = this.text.length;
    const timer = setInterval(() => this.type(keys), everyMs);
    this.type(keys);
    try {
      return await this.waitFor(pattern, timeoutMs, from);
    } finally {
      clearInterval(timer);
    }
  }

  type(text: string): void {
    this.stream.write(text);
  }
}
