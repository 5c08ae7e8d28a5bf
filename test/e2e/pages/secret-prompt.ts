// The dialog that asks for a password or a key's passphrase when main needs one.
import type { Page } from 'playwright-core';

export class SecretPrompt {
  constructor(readonly page: Page) {}

  dialog(kind: 'Password' | 'Passphrase') {
    return this.page.getByRole('dialog', { name: `${kind} needed` });
  }

  /** Waits for the question, types the answer (ticking Remember if asked to) and sends it. */
  async answer(
    kind: 'Password' | 'Passphrase',
    secret: string,
    { remember = false } = {},
  ): Promise<void> {
    const dialog = this.dialog(kind);
    await dialog.waitFor();
    await dialog
      .getByLabel(kind === 'Password' ? /^Password for / : /^Passphrase of /)
      .fill(secret);
    if (remember) await dialog.getByRole('checkbox', { name: 'Remember' }).check();
    await dialog.getByRole('button', { name: 'Send' }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  /** The secret store's master passphrase, chosen when the store is created. */
  async answerNewMasterPassphrase(passphrase: string): Promise<void> {
    const dialog = this.page.getByRole('dialog', { name: 'New master passphrase' });
    await dialog.waitFor();
    await dialog.getByLabel(/^New master passphrase for /).fill(passphrase);
    await dialog.getByRole('button', { name: 'Send' }).click();
    await dialog.waitFor({ state: 'detached' });
  }
}
