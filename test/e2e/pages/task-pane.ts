// The task pane: tasks with status, progress and duration; each one's log.
import type { Page } from 'playwright-core';
import { namePrefixed } from './locators.js';

export class TaskPane {
  constructor(readonly page: Page) {}

  get region() {
    return this.page.getByRole('region', { name: 'Tasks' });
  }

  /** A task by its title, e.g. "Start web1/db2" (the newest if several). */
  task(title: string) {
    return this.region.getByRole('listitem', { name: namePrefixed(title) }).first();
  }

  async waitForStatus(title: string, status: string, timeout = 90_000): Promise<void> {
    await this.region
      .getByRole('listitem', { name: `${title}, ${status}`, exact: true })
      .first()
      .waitFor({ timeout });
  }

  /** Opens the task's log and returns its text once `expected` shows in it. */
  async readLog(title: string, expected: string): Promise<string> {
    await this.task(title).getByRole('button', { name: title, exact: true }).click();
    const log = this.region.getByRole('log', { name: `Log of ${title}` });
    await log.getByText(expected).first().waitFor();
    return (await log.textContent()) ?? '';
  }
}
