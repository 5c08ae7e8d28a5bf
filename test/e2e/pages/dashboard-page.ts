// The dashboard: tiles, VMs by state, CPU and memory per host, busiest VMs.
import type { Page } from 'playwright-core';

export class DashboardPage {
  constructor(readonly page: Page) {}

  get heading() {
    return this.page.getByRole('heading', { name: 'Dashboard', level: 1 });
  }

  /** A tile such as "Hosts up", by its label; its name carries the number. */
  tile(label: string) {
    return this.page.getByRole('group', { name: new RegExp(`^${label}: \\d+$`) });
  }

  async tileValue(label: string): Promise<number> {
    const name = await this.tile(label).getAttribute('aria-label');
    return Number(name?.split(': ')[1]);
  }

  hostCpuMeter(host: string) {
    return this.page.getByRole('meter', { name: `CPU of ${host}` });
  }

  hostMemoryMeter(host: string) {
    return this.page.getByRole('meter', { name: `Memory of ${host}` });
  }
}
