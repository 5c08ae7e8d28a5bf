// The scrolling baseline the UI benchmarks measure the virtualized grid against: the same rows as
// a plain, non-virtualized HTML table laid over the grid's own box in the same page, and the
// frame intervals of scrolling either one top to bottom. Page-side code is passed as functions
// without named inner functions (tsx would wrap them in a helper the page does not have).
/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import type { FleetVm } from '../../app/shared/contract/convirt-contract.js';

/** The plain table's element id. */
const PLAIN_TABLE_ID = 'bench-plain-table';

/** The plain table's cells of each VM: what the grid shows, as text. */
export const plainTableRows = (vms: readonly FleetVm[]): string[][] =>
  vms.map((vm) => [vm.name, vm.host, vm.state, String(vm.vcpus), `${vm.memoryMiB} MiB`]);

/** Lays a plain table of `rows` over `box` (a selector), scrolling on its own; resolves when built. */
async function mountPlainTable(page: Page, box: string, rows: string[][]): Promise<void> {
  await page.evaluate(
    ([selector, id, cells]) => {
      const rect = document.querySelector(selector)!.getBoundingClientRect();
      const scroller = document.createElement('div');
      scroller.id = id;
      Object.assign(scroller.style, {
        position: 'fixed',
        left: `${rect.left}px`,
        top: `${rect.top}px`,
        width: `${rect.width}px`,
        height: `${rect.height}px`,
        overflow: 'auto',
        background: 'white',
        zIndex: '1000',
      });
      const table = document.createElement('table');
      const body = table.createTBody();
      for (const row of cells) {
        const tr = body.insertRow();
        for (const text of row) tr.insertCell().textContent = text;
      }
      scroller.append(table);
      document.body.append(scroller);
    },
    [box, PLAIN_TABLE_ID, rows] as const,
  );
}

async function removePlainTable(page: Page): Promise<void> {
  await page.evaluate((id) => document.getElementById(id)!.remove(), PLAIN_TABLE_ID);
}

/** Frame intervals (ms) of `frames` animation frames, scrolling `selector` top to bottom. */
async function scrollFrameIntervals(
  page: Page,
  selector: string,
  frames: number,
): Promise<{ intervals: number[]; distance: number }> {
  const { stamps, distance } = await page.evaluate(
    async ([sel, count]) => {
      const el = document.querySelector<HTMLElement>(sel)!;
      const max = el.scrollHeight - el.clientHeight;
      el.scrollTop = 0;
      await new Promise((r) => requestAnimationFrame(r));
      const times: number[] = [];
      for (let n = 0; n <= count; n++) {
        times.push(await new Promise<number>((r) => requestAnimationFrame(r)));
        el.scrollTop = Math.round((max * n) / count);
      }
      return { stamps: times, distance: max };
    },
    [selector, frames] as const,
  );
  return { intervals: stamps.slice(1).map((t, i) => t - stamps[i]!), distance };
}

/** The All VMs grid's scrolling body, which the plain table is laid over. */
const ALL_VMS_GRID_BODY = '[aria-label="All VMs"] .grid-body';

/**
 * The All VMs grid scrolled top to bottom in `frames` frames, then the same `rows` as a plain
 * table over its box, scrolled alike and removed; `whileTableShown` runs once the table is built.
 */
export async function scrollGridAgainstPlainTable(
  page: Page,
  rows: string[][],
  frames: number,
  whileTableShown?: () => Promise<unknown>,
) {
  const grid = frameStats(await scrollFrameIntervals(page, ALL_VMS_GRID_BODY, frames));
  const buildStarted = Date.now();
  await mountPlainTable(page, ALL_VMS_GRID_BODY, rows);
  const tableBuildMs = Date.now() - buildStarted;
  await whileTableShown?.();
  const table = frameStats(await scrollFrameIntervals(page, `#${PLAIN_TABLE_ID}`, frames));
  await removePlainTable(page);
  return { grid, table, tableBuildMs };
}

/** Frames per second, the 95th percentile frame, frames over 20 ms (under 50 fps, a visible stutter). */
function frameStats({ intervals, distance }: { intervals: number[]; distance: number }) {
  const sorted = [...intervals].sort((a, b) => a - b);
  const mean = intervals.reduce((s, x) => s + x, 0) / intervals.length;
  return {
    fps: 1000 / mean,
    p95FrameMs: sorted[Math.floor(sorted.length * 0.95)]!,
    longFrames: intervals.filter((x) => x > 1000 / 50).length,
    pixelsPerFrame: distance / intervals.length,
  };
}

export type FrameStats = ReturnType<typeof frameStats>;
