// The "Provision a VM" dialog: appliance, host, VM name and the appliance's options, each with
// its inline error.
import type { Page } from 'playwright-core';

export class ProvisionDialog {
  constructor(readonly page: Page) {}

  get dialog() {
    return this.page.getByRole('dialog', { name: /^Provision a VM/ });
  }

  get host() {
    return this.dialog.getByRole('combobox', { name: 'Host', exact: true });
  }

  get appliance() {
    return this.dialog.getByRole('combobox', { name: 'Appliance', exact: true });
  }

  /** A text field by its label, e.g. "VM name", "Host name", "Memory (MiB)". */
  field(label: string) {
    return this.dialog.getByRole('textbox', { name: label, exact: true });
  }

  async fill(values: Record<string, string>): Promise<void> {
    for (const [label, value] of Object.entries(values)) await this.field(label).fill(value);
  }

  /** The inline error of a field (its aria-describedby), or null when it has none. */
  async error(label: string): Promise<string | null> {
    const field = this.field(label);
    if ((await field.getAttribute('aria-invalid')) !== 'true') return null;
    const id = await field.getAttribute('aria-describedby');
    return id ? this.page.locator(`[id="${id}"]`).textContent() : null;
  }

  async submit(): Promise<void> {
    await this.dialog.getByRole('button', { name: 'Provision', exact: true }).click();
  }

  async cancel(): Promise<void> {
    await this.dialog.getByRole('button', { name: 'Cancel' }).click();
    await this.dialog.waitFor({ state: 'detached' });
  }
}
