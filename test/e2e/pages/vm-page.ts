// One VM's screen: actions, tabs (overview, performance, snapshots, settings, consoles).
// Predicates run in the page (functions, not strings: the page's CSP forbids eval).
/// <reference lib="dom" />
import type { Page } from 'playwright-core';

export type VmTab = 'Overview' | 'Performance' | 'Snapshots' | 'Settings' | 'Consoles';

export class VmPage {
  constructor(
    readonly page: Page,
    readonly vm: string,
  ) {}

  get heading() {
    return this.page.getByRole('heading', { name: this.vm, level: 1 });
  }

  get actions() {
    return this.page.getByRole('toolbar', { name: 'VM actions' });
  }

  async action(
    label:
      | 'Start'
      | 'Shut down'
      | 'Reboot'
      | 'Pause'
      | 'Resume'
      | 'Force off'
      | 'Save to file'
      | 'Restore from file'
      | 'Migrate…',
  ) {
    await this.actions.getByRole('button', { name: label, exact: true }).click();
  }

  async openTab(tab: VmTab): Promise<void> {
    await this.page
      .getByRole('tablist', { name: 'VM sections' })
      .getByRole('tab', { name: tab })
      .click();
  }

  /** The value of one of the Overview's facts (State, vCPUs, Memory, UUID, ...). */
  overviewFact(term: string) {
    return this.page
      .getByRole('region', { name: 'Overview' })
      .locator('dt', { hasText: term })
      .locator('xpath=following-sibling::dd[1]');
  }

  /** Notes saying what this VM's hypervisor cannot do, where the feature would be. */
  get notSupported() {
    return this.page.getByRole('note').filter({ hasText: /./ });
  }

  get guestAgentSection() {
    return this.page.getByRole('region', { name: 'Guest agent' });
  }

  chart(title: 'CPU' | 'Memory' | 'Disk I/O' | 'Network') {
    return this.page.getByRole('img', { name: new RegExp(`^${title.replace('/', '\\/')}: `) });
  }

  get consoleTabs() {
    return this.page.getByRole('tablist', { name: 'Consoles' });
  }

  openConsoleButton(kind: 'Serial' | 'Graphical') {
    return this.page.getByRole('button', { name: `Open ${kind.toLowerCase()} console` });
  }

  /** Opens a console in a new tab and returns its region. */
  async openConsole(host: string, kind: 'Serial' | 'Graphical') {
    await this.openTab('Consoles');
    await this.openConsoleButton(kind).click();
    const region = this.page.getByRole('region', { name: `${kind} console of ${host}/${this.vm}` });
    await region
      .getByRole('status')
      .getByText(/Connected/)
      .waitFor({ timeout: 60_000 });
    return region;
  }

  /** Resolves once the serial console's screen shows `text`. */
  async waitForConsoleText(host: string, text: string, timeout = 30_000): Promise<void> {
    const rows = this.serialRows(host);
    await this.page.waitForFunction(
      ([selector, wanted]) =>
        (document.querySelector(selector!)?.textContent ?? '').includes(wanted!),
      [rows, text],
      { timeout, polling: 'raf' },
    );
  }

  /**
   * Waits for a frame where the serial console shows text matching `pattern` and its cursor
   * blinks or not (`blinking`): both seen at once, as the operator sees them.
   */
  async waitForConsoleCursor(
    host: string,
    pattern: RegExp,
    blinking: boolean,
    timeout = 60_000,
  ): Promise<void> {
    const rows = this.serialRows(host);
    await this.page.waitForFunction(
      ([selector, source, wanted]) => {
        const screen = document.querySelector(selector);
        const cursor = screen?.querySelector('.xterm-cursor');
        const pattern = new RegExp(source);
        // Row by row: the rows' text runs together in the screen's own.
        return (
          [...(screen?.children ?? [])].some((row) => pattern.test(row.textContent ?? '')) &&
          cursor?.classList.contains('xterm-cursor-blink') === wanted
        );
      },
      [rows, pattern.source, blinking] as const,
      { timeout, polling: 'raf' },
    );
  }

  /** The serial console's rows of text (xterm's), by CSS selector. */
  private serialRows(host: string): string {
    return `section[aria-label="Serial console of ${host}/${this.vm}"] .xterm-rows`;
  }

  /** Presses Enter in the serial console until the guest's shell prompt shows (it may still start). */
  async waitForPrompt(host: string, prompt: string, attempts = 30): Promise<void> {
    for (let i = 0; ; i++) {
      await this.page.keyboard.press('Enter');
      try {
        await this.waitForConsoleText(host, prompt, 2000);
        return;
      } catch (err) {
        if (i >= attempts) throw err;
      }
    }
  }

  /** Resolves with the canvas size once the graphical console has drawn more than one colour. */
  async waitForDrawnDisplay(host: string, timeout = 60_000): Promise<string> {
    const selector = `section[aria-label="Graphical console of ${host}/${this.vm}"] canvas`;
    const drawn = await this.page.waitForFunction(
      (canvasSelector) => {
        const canvas = document.querySelector<HTMLCanvasElement>(canvasSelector);
        if (!canvas || canvas.width === 0) return false;
        const pixels = canvas
          .getContext('2d')!
          .getImageData(0, 0, canvas.width, canvas.height).data;
        const colours = new Set<number>();
        for (let i = 0; i < pixels.length && colours.size < 2; i += 4) {
          colours.add((pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!);
        }
        return colours.size > 1 ? `${canvas.width}x${canvas.height}` : false;
      },
      selector,
      { timeout, polling: 'raf' },
    );
    return String(await drawn.jsonValue());
  }
}
