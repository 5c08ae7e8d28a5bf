// The add-host dialog and its steps: the form, the host-key confirmation, the result.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { TestbedInfo } from '../../bed/testbed.js';

export interface HostFormInput {
  address: string;
  port: number;
  name: string;
  user: string;
  keyFile: string;
  pool?: string;
}

/** The form for the test bed's sshd: its address and port, its user and client key. */
export function testbedHostForm(bed: TestbedInfo, name: string): HostFormInput {
  return {
    address: '127.0.0.1',
    port: bed.sshd.port,
    name,
    user: bed.sshd.username,
    keyFile: bed.sshd.clientKeyPath,
  };
}

export class AddHostDialog {
  constructor(readonly page: Page) {}

  get form() {
    return this.page.getByRole('dialog', { name: 'Add host' });
  }
  get confirmKey() {
    return this.page.getByRole('dialog', { name: 'Confirm the host key' });
  }
  get keyChanged() {
    return this.page.getByRole('alertdialog', { name: 'Host key changed' });
  }
  get added() {
    return this.page.getByRole('dialog', { name: 'Host added' });
  }

  async fill(input: HostFormInput): Promise<void> {
    const form = this.form;
    await form.getByRole('textbox', { name: 'Address' }).fill(input.address);
    await form.getByRole('spinbutton', { name: 'Port' }).fill(String(input.port));
    await form.getByRole('textbox', { name: 'Name' }).fill(input.name);
    await form.getByRole('textbox', { name: 'User' }).fill(input.user);
    await form.getByRole('radio', { name: 'Key file' }).check();
    await form.getByRole('textbox', { name: 'Key file' }).fill(input.keyFile);
    if (input.pool) await form.getByRole('combobox', { name: 'Server pool' }).fill(input.pool);
  }

  async submit(): Promise<void> {
    await this.form.getByRole('button', { name: 'Add host' }).click();
  }

  /** The fingerprint the confirmation step shows. */
  async shownFingerprint(): Promise<string> {
    await this.confirmKey.waitFor();
    return (await this.confirmKey.getByLabel('Host key fingerprint').textContent()) ?? '';
  }

  async trustKey(): Promise<void> {
    await this.confirmKey.getByRole('button', { name: 'Trust this key and add' }).click();
    await this.added.waitFor({ timeout: 60_000 });
  }

  /** Fills and submits the form, requires the confirmation to show `fingerprint`, trusts it. */
  async addTrusted(input: HostFormInput, fingerprint: string): Promise<void> {
    await this.fill(input);
    await this.submit();
    assert.equal(await this.shownFingerprint(), fingerprint);
    await this.trustKey();
  }

  /**
   * Submits the form, checks the fingerprint shown (when the key is not trusted yet) and trusts
   * it, then waits until the host is added (null) or the form says why it was not (the message).
   */
  async submitTrusting(fingerprint: string, timeout = 120_000): Promise<string | null> {
    await this.submit();
    const error = this.form.getByRole('alert');
    await this.confirmKey.or(this.added).or(error).waitFor({ timeout });
    if (await this.confirmKey.isVisible()) {
      assert.equal(await this.shownFingerprint(), fingerprint);
      await this.confirmKey.getByRole('button', { name: 'Trust this key and add' }).click();
      await this.added.or(error).waitFor({ timeout });
    }
    return (await this.added.isVisible()) ? null : ((await error.textContent()) ?? '');
  }

  /** The result line, e.g. "Added web1. Hypervisor detected: KVM 9.0.0". */
  async result(): Promise<string> {
    return (await this.added.getByRole('status').textContent()) ?? '';
  }

  async close(): Promise<void> {
    await this.added.getByRole('button', { name: 'Close' }).click();
    await this.added.waitFor({ state: 'detached' });
  }

  async showHost(): Promise<void> {
    await this.added.getByRole('button', { name: 'Show host' }).click();
  }
}
