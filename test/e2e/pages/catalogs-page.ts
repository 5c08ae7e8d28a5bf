// The Catalogs screen: the grid of image-list subscriptions, the selected one's images (each with
// its state and its Enable / Provision… buttons), Update now, Unsubscribe, and the subscribe dialog.
import type { Page } from 'playwright-core';
import { ProvisionDialog } from './provision-dialog.js';

export interface SubscribeInput {
  url: string;
  trust?: { kind: 'file' | 'folder'; path: string };
  endorserDn?: string;
  name?: string;
  headers?: { name: string; value: string }[];
  allowUnsigned?: boolean;
}

export class CatalogsPage {
  constructor(readonly page: Page) {}

  static async open(page: Page): Promise<CatalogsPage> {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: 'Catalogs' })
      .click();
    const screen = new CatalogsPage(page);
    await screen.heading.waitFor();
    return screen;
  }

  get heading() {
    return this.page.getByRole('heading', { name: 'Catalogs', level: 1 });
  }
  get subscriptions() {
    return this.page.getByRole('grid', { name: 'Subscriptions' });
  }
  /** A subscription's row, found by the button of its name (which names the row header). */
  subscription(name: string) {
    return this.subscriptions.getByRole('row').filter({
      has: this.page.getByRole('button', { name: `Show the images of ${name}`, exact: true }),
    });
  }
  /** The row's cells as text, in column order after the name. */
  async subscriptionText(name: string): Promise<string[]> {
    // The grid reloads after the subscription's task has ended: wait for the row first.
    await this.subscription(name).waitFor();
    return this.subscription(name).getByRole('gridcell').allTextContents();
  }
  async select(name: string): Promise<void> {
    await this.page.getByRole('button', { name: `Show the images of ${name}` }).click();
    await this.subscription(name).and(this.page.locator('[aria-selected="true"]')).waitFor();
  }

  images(subscription: string) {
    return this.page.getByRole('grid', { name: `Images of ${subscription}` });
  }
  /** An image's row, found by its title (the row header). */
  image(subscription: string, title: string) {
    return this.images(subscription)
      .getByRole('row')
      .filter({ has: this.page.getByRole('rowheader', { name: title, exact: true }) });
  }
  /** The image row's cells as text: version, size, hypervisor, format, OS, expiry, state, actions. */
  async imageText(subscription: string, title: string): Promise<string[]> {
    await this.image(subscription, title).waitFor();
    return this.image(subscription, title).getByRole('gridcell').allTextContents();
  }
  /** Waits until the image's state cell reads `state`. */
  async waitForImageState(subscription: string, title: string, state: string, timeout = 30_000) {
    await this.image(subscription, title)
      .getByRole('gridcell')
      .filter({ hasText: new RegExp(`^${state}`) })
      .waitFor({ timeout });
  }
  async enable(title: string): Promise<void> {
    await this.page.getByRole('button', { name: `Enable ${title}`, exact: true }).click();
  }
  /** The image's "Provision…": the provisioning dialog with its template as the source. */
  async provision(title: string): Promise<ProvisionDialog> {
    await this.page
      .getByRole('button', { name: `Provision a VM from ${title}`, exact: true })
      .click();
    const dialog = new ProvisionDialog(this.page);
    await dialog.dialog.waitFor();
    return dialog;
  }

  async updateNow(): Promise<void> {
    await this.page.getByRole('button', { name: 'Update now' }).click();
  }
  async unsubscribe(name: string): Promise<void> {
    await this.page.getByRole('button', { name: `Unsubscribe from ${name}` }).click();
    await this.page
      .getByRole('alertdialog', { name: `Unsubscribe from ${name}? Its templates are kept.` })
      .getByRole('button', { name: `Really unsubscribe from ${name}` })
      .click();
  }

  // ---- subscribe dialog
  get subscribeDialog() {
    return this.page.getByRole('dialog', { name: 'Subscribe to an image list' });
  }
  async openSubscribe(): Promise<void> {
    await this.page.getByRole('button', { name: 'Subscribe…' }).click();
    await this.subscribeDialog.waitFor();
  }
  async fillSubscribe(input: SubscribeInput): Promise<void> {
    const d = this.subscribeDialog;
    await d.getByRole('textbox', { name: 'List URL' }).fill(input.url);
    if (input.trust) {
      const kind = input.trust.kind === 'file' ? 'CA file' : 'CA folder';
      await d.getByRole('radio', { name: new RegExp(`^${kind}`) }).check();
      await d.getByRole('textbox', { name: `${kind} path` }).fill(input.trust.path);
    }
    await d.getByRole('textbox', { name: 'Endorser DN (optional)' }).fill(input.endorserDn ?? '');
    await d.getByRole('textbox', { name: 'Name (optional)' }).fill(input.name ?? '');
    for (const [i, header] of (input.headers ?? []).entries()) {
      await d.getByRole('button', { name: 'Add header' }).click();
      await d.getByRole('textbox', { name: `Header ${i + 1} name` }).fill(header.name);
      await d.getByLabel(`Header ${i + 1} value`).fill(header.value);
    }
    await d
      .getByRole('checkbox', { name: 'Allow an unsigned list' })
      .setChecked(input.allowUnsigned ?? false);
  }
  async submitSubscribe(): Promise<void> {
    await this.subscribeDialog.getByRole('button', { name: 'Subscribe', exact: true }).click();
  }
  /** The inline error shown for a text field of the subscribe dialog. */
  async fieldError(label: string): Promise<string> {
    const field = this.subscribeDialog.getByRole('textbox', { name: label });
    await field.and(this.page.locator('[aria-invalid="true"]')).waitFor();
    const id = (await field.getAttribute('aria-describedby'))?.split(' ').at(-1);
    return (await this.page.locator(`[id="${id}"]`).textContent()) ?? '';
  }
  /** The dialog's error about the whole subscription (a refusal of the list), once shown. */
  async refusal(): Promise<string> {
    // The form's own error comes after the fields' (which say nothing of a refused list).
    const alert = this.subscribeDialog.getByRole('alert').last();
    await alert.waitFor({ timeout: 60_000 });
    return (await alert.textContent()) ?? '';
  }
}
