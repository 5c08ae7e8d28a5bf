// The "Provision a VM" dialog: its source (an appliance, or a template or ISO by URL), host, VM
// name and the source's options, each with its inline error; cloud-init's settings for an
// appliance that runs it; the uploaded ISOs to choose from for an ISO option.
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

  /**
   * A text field (or text area) by its label, e.g. "VM name", "Host name", "Memory (MiB)", and
   * cloud-init's "Guest host name", "User name", "SSH public keys", "User-data (#cloud-config)".
   */
  field(label: string) {
    return this.dialog.getByRole('textbox', { name: label, exact: true });
  }

  get cloudInit() {
    return this.dialog.getByRole('group', { name: 'cloud-init' });
  }

  /** cloud-init's password (a password field has no textbox role). */
  get password() {
    return this.cloudInit.getByLabel('Password', { exact: true });
  }

  async network(mode: 'DHCP' | 'Static address'): Promise<void> {
    await this.cloudInit.getByRole('radio', { name: mode }).check();
  }

  /** The ISO option's list of the host's uploaded ISOs. */
  get iso() {
    return this.dialog.getByRole('combobox', { name: 'ISO on the host', exact: true });
  }

  async fill(values: Record<string, string>): Promise<void> {
    for (const [label, value] of Object.entries(values)) await this.field(label).fill(value);
  }

  /** The inline error of a field (its aria-describedby), or null when it has none. */
  async error(label: string): Promise<string | null> {
    const field = this.field(label);
    if ((await field.getAttribute('aria-invalid')) !== 'true') return null;
    // aria-describedby names the hint too, when the field has one.
    const ids = (await field.getAttribute('aria-describedby'))?.split(' ') ?? [];
    const id = ids.find((i) => i.endsWith('-error'));
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
