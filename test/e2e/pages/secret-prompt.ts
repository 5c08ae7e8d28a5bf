// The dialog that asks for a password or a key's passphrase when main needs one.
import type { Page } from 'playwright-core';

export class SecretPrompt {
  constructor(readonly page: Page) {}

  dialog(kind: 'Password' | 'Passphrase') {
    return this.page.getByRole('dialog', { name: `${kind} needed` });
  }

  /** Waits for the question, types the answer and sends it. */
  async answer(kind: 'Password' | 'Passphrase', secret: string): Promise<void> {
    const dialog = this.dialog(kind);
    await dialog.waitFor();
    await dialog
      .getByLabel(kind === 'Password' ? /^Password for / : /^Passphrase of /)
      .fill(secret);
    await dialog.getByRole('button', { name: 'Send' }).click();
    await dialog.waitFor({ state: 'detached' });
  }
}
