// The fleet tree in the sidebar.
/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { namePrefixed } from './locators.js';

export class FleetTree {
  constructor(readonly page: Page) {}

  get tree() {
    return this.page.getByRole('tree', { name: 'Fleet' });
  }

  host(name: string) {
    return this.tree.getByRole('treeitem', { name: namePrefixed(name) });
  }

  pool(name: string) {
    return this.tree.getByRole('treeitem', { name: namePrefixed(name) });
  }

  vm(name: string) {
    return this.tree.getByRole('treeitem', { name: namePrefixed(name) });
  }

  /** Waits until the VM's tree item reads `NAME, STATE`. */
  async waitForVmState(name: string, state: string, timeout = 90_000): Promise<void> {
    await this.tree.getByRole('treeitem', { name: `${name}, ${state}`, exact: true }).waitFor({
      timeout,
    });
  }

  /** Expands a host with the keyboard (focus it, then the Right arrow). */
  async expandHost(name: string): Promise<void> {
    const item = this.host(name);
    if ((await item.getAttribute('aria-expanded')) === 'true') return;
    await item.focus();
    await this.page.keyboard.press('ArrowRight');
    await this.tree.getByRole('treeitem', { name: namePrefixed(name), expanded: true }).waitFor();
  }

  async openVm(name: string): Promise<void> {
    await this.vm(name).click();
  }

  async openHost(name: string): Promise<void> {
    await this.host(name).click();
  }

  async createPool(name: string): Promise<void> {
    await this.page.getByRole('button', { name: 'New pool' }).click();
    const dialog = this.page.getByRole('dialog', { name: 'New server pool' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'detached' });
    await this.pool(name).waitFor();
  }

  /** The keyboard way: focus the host, press M, pick the pool by its path, Move. */
  async moveHostWithKeyboard(host: string, poolPath: string): Promise<void> {
    await this.host(host).focus();
    await this.page.keyboard.press('m');
    const dialog = this.page.getByRole('dialog', { name: `Move ${host} to a server pool` });
    await dialog.getByRole('combobox', { name: 'Server pool' }).selectOption({ label: poolPath });
    await dialog.getByRole('button', { name: 'Move' }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  async dragHostOnto(host: string, pool: string): Promise<void> {
    await this.host(host).dragTo(this.pool(pool));
  }

  /** Drags a VM's row onto a host's row (the host of the VM must be expanded). */
  async dragVmOnto(vm: string, host: string): Promise<void> {
    await this.vm(vm).dragTo(this.host(host));
  }

  /** The names of the VM rows shown under a host (expand it first), in tree order. */
  async vmsUnder(host: string): Promise<string[]> {
    const rows = await this.tree
      .getByRole('treeitem')
      .evaluateAll((items) =>
        items.map((item) => [
          item.getAttribute('aria-label') ?? '',
          Number(item.getAttribute('aria-level')),
        ]),
      );
    const at = rows.findIndex(([label]) => String(label).startsWith(`${host}, `));
    if (at < 0) return [];
    const level = Number(rows[at]![1]);
    const under: string[] = [];
    for (const [label, rowLevel] of rows.slice(at + 1)) {
      if (Number(rowLevel) <= level) break;
      under.push(String(label).split(', ')[0]!);
    }
    return under;
  }

  /** Waits until the focused tree item's name starts with `prefix`. */
  async waitForFocus(prefix: string): Promise<void> {
    await this.tree
      .getByRole('treeitem', { name: namePrefixed(prefix) })
      .and(this.page.locator(':focus'))
      .waitFor();
  }

  async search(text: string): Promise<void> {
    await this.page.getByRole('searchbox', { name: 'Search hosts, VMs and tags' }).fill(text);
  }
}
