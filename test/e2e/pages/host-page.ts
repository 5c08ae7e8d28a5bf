// One host's screen: facts, storage, networks and the VM grid with its bulk actions.
import type { Page } from 'playwright-core';

export class HostPage {
  constructor(
    readonly page: Page,
    readonly host: string,
  ) {}

  get heading() {
    return this.page.getByRole('heading', { name: this.host, level: 1 });
  }

  get screen() {
    return this.page.getByRole('region', { name: this.host, exact: true });
  }

  /** The host's status word beside its name (connected, unreachable, ...). */
  status(word: string) {
    return this.screen.locator('header').getByText(word, { exact: true });
  }

  /** The screen's error line, e.g. "web1 is refused: WARNING: the host key ... has CHANGED...". */
  get error() {
    return this.screen.getByRole('alert').filter({ hasText: `${this.host} is ` });
  }

  /** Shown while the host's key changed. */
  get acceptNewKey() {
    return this.page.getByRole('button', { name: 'Accept new key…' });
  }

  get acceptKeyDialog() {
    return this.page.getByRole('alertdialog', { name: `Accept the new key of ${this.host}?` });
  }

  /** The text of one of the host's facts (Hypervisor, CPUs, Memory, Capabilities, ...). */
  async fact(term: string): Promise<string> {
    const value = this.page
      .getByRole('region', { name: 'Facts' })
      .locator('dt', { hasText: term })
      .locator('xpath=following-sibling::dd[1]');
    return ((await value.textContent()) ?? '').trim();
  }

  get grid() {
    return this.page.getByRole('grid', { name: `VMs on ${this.host}` });
  }

  /** The grid row of a VM, found by its selection checkbox's name. */
  row(vm: string) {
    return this.grid
      .getByRole('row')
      .filter({ has: this.page.getByRole('checkbox', { name: `Select ${vm}`, exact: true }) });
  }

  async waitForVmState(vm: string, state: string, timeout = 90_000): Promise<void> {
    await this.row(vm)
      .filter({ has: this.page.getByText(state, { exact: true }) })
      .waitFor({ timeout });
  }

  async filter(text: string): Promise<void> {
    await this.page.getByRole('searchbox', { name: `Filter VMs on ${this.host}` }).fill(text);
  }

  async select(vms: string[]): Promise<void> {
    for (const vm of vms) {
      await this.grid.getByRole('checkbox', { name: `Select ${vm}`, exact: true }).check();
    }
  }

  /** Removes the host from the inventory (asks once more first). */
  async remove(): Promise<void> {
    await this.page.getByRole('button', { name: 'Remove host…' }).click();
    await this.page.getByRole('button', { name: `Really remove ${this.host}` }).click();
  }

  /** The Evacuate dialog, opened from the host's actions. */
  async openEvacuate() {
    await this.page.getByRole('button', { name: 'Evacuate…' }).click();
    return this.page.getByRole('dialog', { name: `Evacuate ${this.host}` });
  }

  /** Focuses the grid and presses keys, e.g. ['Home', 'Shift+End']. */
  async pressInGrid(keys: string[]): Promise<void> {
    await this.grid.focus();
    for (const key of keys) await this.page.keyboard.press(key);
  }

  /** "Start selected", "Shut down selected" or "Force off selected". */
  async bulk(action: 'Start' | 'Shut down' | 'Force off'): Promise<void> {
    await this.page.getByRole('button', { name: `${action} selected` }).click();
  }

  get selectionStatus() {
    return this.page
      .getByRole('toolbar', { name: `VMs on ${this.host} actions` })
      .getByRole('status');
  }
}
