// The image store panel: the appliances, each draggable onto a host of the fleet tree, with
// whether the chosen host has its images; the chosen host's uploaded ISOs and the upload.
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

  /** The host whose image cache and ISOs the panel shows. */
  get host() {
    return this.page
      .getByRole('region', { name: 'Image store' })
      .getByRole('combobox', { name: 'Host', exact: true });
  }

  /** The card's line about the chosen host's image cache (`Image on HOST: ...`). */
  imageStatus(title: string) {
    return this.appliance(title).getByText(/^Image on /);
  }

  async fetchToHost(title: string, host: string): Promise<void> {
    await this.appliance(title)
      .getByRole('button', { name: `Fetch to ${host}` })
      .click();
  }

  isoSection(host: string) {
    return this.page.getByRole('region', { name: `ISOs on ${host}` });
  }

  /** The uploaded ISOs of the host, each named `NAME, SIZE`. */
  uploadedIso(host: string, name: string) {
    return this.isoSection(host)
      .getByRole('list', { name: `Uploaded ISOs of ${host}` })
      .getByRole('listitem', { name: namePrefixed(name) });
  }

  isoQuota(host: string) {
    return this.isoSection(host).getByRole('meter', { name: `ISO quota of ${host}` });
  }

  /** Uploads a file of the machine ConVirt runs on to the host's ISO folder. */
  async uploadIso(host: string, file: string): Promise<void> {
    const section = this.isoSection(host);
    await section
      .getByRole('textbox', { name: 'ISO file on the ConVirt machine', exact: true })
      .fill(file);
    await section.getByRole('button', { name: `Upload to ${host}` }).click();
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
