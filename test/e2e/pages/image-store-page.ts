// The image store panel: the appliances, each draggable onto a host of the fleet tree.
import type { Locator, Page } from 'playwright-core';
import { namePrefixed } from './locators.js';
import { ProvisionDialog } from './provision-dialog.js';

export class ImageStorePage {
  constructor(readonly page: Page) {}

  get heading() {
    return this.page.getByRole('heading', { name: 'Image store', level: 1 });
  }

  get list() {
    return this.page.getByRole('list', { name: 'Appliances' });
  }

  /** An appliance by its title; its accessible name reads `TITLE, OS, SIZE`. */
  appliance(title: string) {
    return this.list.getByRole('listitem', { name: namePrefixed(title) });
  }

  /** Opens the panel from the main navigation. */
  async open(): Promise<void> {
    await this.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: 'Image store' })
      .click();
    await this.list.waitFor();
  }

  /** Drags the appliance onto a tree item (a host row). */
  async dragOnto(title: string, target: Locator): Promise<void> {
    await this.appliance(title).dragTo(target);
  }

  /** The appliance's own "Provision…" button, pressed from the keyboard. */
  async provisionWithKeyboard(title: string): Promise<ProvisionDialog> {
    await this.appliance(title).getByRole('button', { name: 'Provision…' }).focus();
    await this.page.keyboard.press('Enter');
    const dialog = new ProvisionDialog(this.page);
    await dialog.dialog.waitFor();
    return dialog;
  }
}
