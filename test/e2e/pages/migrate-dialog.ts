// The Migrate dialog: target host, mode, storage, and the checks checkMigration reports.
import type { Page } from 'playwright-core';

export class MigrateDialog {
  constructor(
    readonly page: Page,
    /** `HOST/VM`, as its title names it. */
    readonly vmRef: string,
  ) {}

  get dialog() {
    return this.page.getByRole('dialog', { name: `Migrate ${this.vmRef}` });
  }

  get target() {
    return this.dialog.getByRole('combobox', { name: 'Target host' });
  }

  /** The line over the checks: "All N checks pass." or "N of M checks fail: ...". */
  get summary() {
    return this.dialog.getByRole('status');
  }

  get migrateButton() {
    return this.dialog.getByRole('button', { name: 'Migrate', exact: true });
  }

  /** One check's row, e.g. check('storage', 'failed'). */
  check(name: string, outcome: 'passed' | 'failed') {
    return this.dialog
      .getByRole('list', { name: 'Checks' })
      .getByRole('listitem', { name: `${name}: ${outcome}`, exact: true });
  }

  /** Waits for the checks of the current choice, and returns the summary. */
  async waitForChecks(timeout = 60_000): Promise<string> {
    await this.summary.getByText(/checks (pass|fail)/).waitFor({ timeout });
    return (await this.summary.textContent()) ?? '';
  }

  async chooseStorage(storage: 'shared' | 'copy'): Promise<void> {
    const label = storage === 'shared' ? /^Shared storage/ : /^Copy the disks/;
    await this.dialog.getByRole('radio', { name: label }).check();
  }

  async chooseMode(mode: 'live' | 'offline'): Promise<void> {
    await this.dialog.getByRole('radio', { name: mode === 'live' ? /^Live/ : /^Offline/ }).check();
  }

  async migrate(): Promise<void> {
    await this.migrateButton.click();
    await this.dialog.waitFor({ state: 'detached' });
  }
}
