// The window's frame: top bar, notifications.
import type { Page } from 'playwright-core';
import { AddHostDialog } from './add-host-dialog.js';
import { DashboardPage } from './dashboard-page.js';

export class AppShell {
  constructor(readonly page: Page) {}

  get mainNav() {
    return this.page.getByRole('navigation', { name: 'Main' });
  }

  async openDashboard(): Promise<DashboardPage> {
    await this.mainNav.getByRole('button', { name: 'Dashboard' }).click();
    const dashboard = new DashboardPage(this.page);
    await dashboard.heading.waitFor();
    return dashboard;
  }

  async openAddHost(): Promise<AddHostDialog> {
    await this.mainNav.getByRole('button', { name: 'Add host…' }).click();
    const dialog = new AddHostDialog(this.page);
    await dialog.form.waitFor();
    return dialog;
  }

  /** Error notifications (role alert) currently shown. */
  get errorNotices() {
    return this.page.getByLabel('Notifications').getByRole('alert');
  }
}
