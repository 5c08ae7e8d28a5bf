// The "Provision a VM" dialog: its source (an appliance, or a template or ISO by URL), host, VM
// name and the source's options, each with its inline error.
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

  /** The source when it is a template or ISO registered by URL. */
  get template() {
    return this.dialog.getByRole('combobox', { name: 'Template or ISO', exact: true });
  }

  get startAfter() {
    return this.dialog.getByRole('checkbox', { name: 'Start the VM once it is defined' });
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
