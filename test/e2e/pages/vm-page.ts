// One VM's screen: actions, tabs (overview, performance, snapshots, settings, consoles).
import type { Page } from 'playwright-core';

export type VmTab = 'Overview' | 'Performance' | 'Snapshots' | 'Settings' | 'Consoles';

export class VmPage {
  constructor(
    readonly page: Page,
    readonly vm: string,
  ) {}

  get heading() {
    return this.page.getByRole('heading', { name: this.vm, level: 1 });
  }

  get actions() {
    return this.page.getByRole('toolbar', { name: 'VM actions' });
  }

  async action(label: 'Start' | 'Shut down' | 'Reboot' | 'Pause' | 'Resume' | 'Force off') {
    await this.actions.getByRole('button', { name: label, exact: true }).click();
  }

  async openTab(tab: VmTab): Promise<void> {
    await this.page
      .getByRole('tablist', { name: 'VM sections' })
      .getByRole('tab', { name: tab })
      .click();
  }

  get guestAgentSection() {
    return this.page.getByRole('region', { name: 'Guest agent' });
  }

  chart(title: 'CPU' | 'Memory' | 'Disk I/O' | 'Network') {
    return this.page.getByRole('img', { name: new RegExp(`^${title.replace('/', '\\/')}: `) });
  }

  get consoleTabs() {
    return this.page.getByRole('tablist', { name: 'Consoles' });
  }

  async openConsole(kind: 'serial' | 'graphical'): Promise<void> {
    await this.openTab('Consoles');
    await this.page.getByRole('button', { name: `Open ${kind} console` }).click();
  }
}
