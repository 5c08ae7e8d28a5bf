// The Templates and ISOs screen: the grid of records (each Ready one with its "Provision…", and
// draggable onto a host), the register dialog, the Check URL dialog and the certificates panel.
import type { Locator, Page } from 'playwright-core';
import { ProvisionDialog } from './provision-dialog.js';

export interface RegisterInput {
  name: string;
  url: string;
  checksum?: string;
  os?: string;
  headers?: { name: string; value: string }[];
  directDownload: boolean;
}

export class TemplatesPage {
  constructor(readonly page: Page) {}

  static async open(page: Page): Promise<TemplatesPage> {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: 'Templates and ISOs' })
      .click();
    const screen = new TemplatesPage(page);
    await screen.heading.waitFor();
    return screen;
  }

  get heading() {
    return this.page.getByRole('heading', { name: 'Templates and ISOs', level: 1 });
  }
  get grid() {
    return this.page.getByRole('table', { name: 'Templates and ISOs' });
  }
  /** A record's row, found by its name (the row header). */
  row(name: string) {
    return this.grid
      .getByRole('row')
      .filter({ has: this.page.getByRole('rowheader', { name, exact: true }) });
  }
  /** The row's cells as text, in column order (name first). */
  async rowText(name: string): Promise<string[]> {
    return this.row(name).getByRole('cell').allTextContents();
  }

  /** The row's "Provision…" button: the provisioning dialog with the template as its source. */
  async provision(name: string): Promise<ProvisionDialog> {
    await this.row(name)
      .getByRole('button', { name: `Provision a VM from ${name}` })
      .click();
    const dialog = new ProvisionDialog(this.page);
    await dialog.dialog.waitFor();
    return dialog;
  }

  /** Drags the row onto `target` (a host of the fleet tree). */
  async dragOnto(name: string, target: Locator): Promise<void> {
    await this.row(name).dragTo(target);
  }

  // ---- register dialog
  get registerDialog() {
    return this.page.getByRole('dialog', { name: 'Register a template or ISO' });
  }
  async openRegister(): Promise<void> {
    await this.page.getByRole('button', { name: 'Register…' }).click();
    await this.registerDialog.waitFor();
  }
  async fillRegister(input: RegisterInput): Promise<void> {
    const d = this.registerDialog;
    await d.getByRole('textbox', { name: 'Name' }).fill(input.name);
    await d.getByRole('textbox', { name: 'URL' }).fill(input.url);
    await d.getByRole('textbox', { name: 'Checksum' }).fill(input.checksum ?? '');
    await d.getByRole('textbox', { name: 'OS' }).fill(input.os ?? '');
    for (const [i, header] of (input.headers ?? []).entries()) {
      await d.getByRole('button', { name: 'Add header' }).click();
      await d.getByRole('textbox', { name: `Header ${i + 1} name` }).fill(header.name);
      await d.getByLabel(`Header ${i + 1} value`).fill(header.value);
    }
    await d.getByRole('checkbox', { name: /Direct download/ }).setChecked(input.directDownload);
  }
  async submitRegister(): Promise<void> {
    await this.registerDialog.getByRole('button', { name: 'Register', exact: true }).click();
  }
  /** The inline error shown for a field of the register dialog. */
  async fieldError(label: string): Promise<string> {
    const field = this.registerDialog.getByRole('textbox', { name: label });
    await field.and(this.page.locator('[aria-invalid="true"]')).waitFor();
    const id = await field.getAttribute('aria-describedby');
    return (await this.page.locator(`[id="${id}"]`).textContent()) ?? '';
  }

  // ---- check URL dialog
  get checkDialog() {
    return this.page.getByRole('dialog', { name: 'Check a download URL' });
  }
  /** Checks `url`; returns each candidate URL with its result, once the check is done. */
  async checkUrl(url: string): Promise<{ summary: string; candidates: [string, string][] }> {
    await this.page.getByRole('button', { name: 'Check URL…' }).click();
    await this.checkDialog.getByRole('textbox', { name: 'URL' }).fill(url);
    await this.checkDialog.getByRole('button', { name: 'Check', exact: true }).click();
    const table = this.checkDialog.getByRole('table', { name: 'Candidate URLs' });
    await table.waitFor({ timeout: 60_000 });
    const rows = await table.getByRole('row').all();
    const candidates: [string, string][] = [];
    for (const row of rows.slice(1)) {
      const [u = '', result = ''] = await row.getByRole('cell').allTextContents();
      candidates.push([u, result]);
    }
    const summary = (await this.checkDialog.getByRole('status').textContent()) ?? '';
    return { summary, candidates };
  }
  async closeCheck(): Promise<void> {
    await this.checkDialog.getByRole('button', { name: 'Close' }).click();
    await this.checkDialog.waitFor({ state: 'detached' });
  }

  // ---- certificates
  get certificates() {
    return this.page.getByRole('table', { name: 'Certificates' });
  }
  get uploadForm() {
    return this.page.getByRole('form', { name: 'Upload a certificate' });
  }
  async uploadCa(name: string, pem: string): Promise<void> {
    const form = this.uploadForm;
    await form.getByRole('textbox', { name: 'Certificate name' }).fill(name);
    await form.getByRole('radio', { name: 'CA to trust' }).check();
    await form.getByRole('textbox', { name: 'Certificate (PEM)' }).fill(pem);
    await form.getByRole('button', { name: 'Upload certificate' }).click();
  }
  certificateRow(name: string) {
    return this.certificates
      .getByRole('row')
      .filter({ has: this.page.getByRole('rowheader', { name, exact: true }) });
  }
  async removeCertificate(name: string): Promise<void> {
    await this.page.getByRole('button', { name: `Remove certificate ${name}` }).click();
    await this.page.getByRole('button', { name: `Really remove ${name}` }).click();
  }
}
