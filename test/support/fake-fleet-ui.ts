// Development only: the real renderer against the FAKE in-memory client (100 hosts x 50 VMs, or
// --hosts N --vms M), in Chromium, to measure what the UI costs with a big fleet and to
// screenshot it. Not a test (timings belong in no test); run
// `npx tsx test/support/fake-fleet-ui.ts [--serve] [--hosts N --vms M] [--changed-share F]
// [--poll-seconds S] [--scroll-step PX] [--cpu-profile PREFIX] [--trace PREFIX]
// [--plain-table [--scroll-frames N]]`. Figures and screenshots go to test-results/fake-fleet/.
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { build, type Plugin } from 'vite';
import type { FleetSnapshot } from '../../app/shared/contract/convirt-contract.js';
import { CHROMIUM } from '../e2e/support/e2e-app.js';
import { plainTableRows, scrollGridAgainstPlainTable } from './scroll-baseline.js';

const root = join(import.meta.dirname, '../..');
const out = join(root, 'test-results/fake-fleet');
const transport = join(root, 'app/renderer/src/contract-client/index.ts');

/** Swaps the real transport for the fake one in this build only. */
const fakeTransport: Plugin = {
  name: 'fake-transport',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (!source.includes('contract-client/index')) return null;
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    return resolved?.id === transport ? join(import.meta.dirname, 'fake-connect.ts') : null;
  },
};

// --cpu-profile PREFIX: the page's CPU profiles of loading (navigation to a usable tree),
// scrolling, sorting and filtering, to PREFIX-{load,scroll,sort,filter}.cpuprofile, from an unminified build so
// the profiles name the functions.
const profileAt = process.argv.indexOf('--cpu-profile');
const profilePrefix = profileAt > 0 ? process.argv[profileAt + 1] : undefined;
// --trace PREFIX: a Chrome trace of the grid's scroll to PREFIX-scroll.json (open it in DevTools'
// Performance panel): the browser's own style, layout, hit testing and paint of each frame, which
// a CPU profile shows only as "(program)".
const traceAt = process.argv.indexOf('--trace');
const tracePrefix = traceAt > 0 ? process.argv[traceAt + 1] : undefined;

const dir = mkdtempSync(join(tmpdir(), 'convirt-fake-ui-'));
await build({
  configFile: join(root, 'vite.config.ts'),
  logLevel: 'warn',
  plugins: [fakeTransport],
  build: { outDir: dir, emptyOutDir: true, minify: !profilePrefix },
});
const types: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};
const server = createServer((req, res) => {
  const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
  const file = join(dir, path || 'index.html');
  if (!file.startsWith(dir) || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;
const sizeArg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const hostCount = sizeArg('hosts', 100);
const vmsPerHost = sizeArg('vms', 50);
// The share of a polled host's running VMs whose stats changed (1, every one, by default).
const changedShare = sizeArg('changed-share', 1);
// --plain-table: the grid scrolled top to bottom in --scroll-frames frames (300), then the same
// rows as a plain non-virtualized table over the grid's box (bench:ui's baseline), scrolled alike.
const plainTable = process.argv.includes('--plain-table');
const scrollFrames = sizeArg('scroll-frames', 300);
// --poll-seconds S: each host polled every S seconds, spread evenly (as bench:ui's real poller).
const pollSeconds = sizeArg('poll-seconds', 0);
const url =
  `http://127.0.0.1:${port}/?hosts=${hostCount}&vms=${vmsPerHost}&changed=${changedShare}` +
  (pollSeconds ? `&pollSeconds=${pollSeconds}` : '') +
  `&step=${sizeArg('scroll-step', 240)}`;

if (process.argv.includes('--serve')) {
  console.log(`Fake fleet UI: ${url}`);
} else {
  mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({ ...CHROMIUM, headless: true });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const profiler = profilePrefix ? await page.context().newCDPSession(page) : null;
  await profiler?.send('Profiler.enable');
  const startProfile = async () => profiler?.send('Profiler.start');
  const saveProfile = async (phase: string) => {
    if (!profiler) return;
    const { profile } = await profiler.send('Profiler.stop');
    writeFileSync(`${profilePrefix}-${phase}.cpuprofile`, JSON.stringify(profile));
  };
  await startProfile();
  const t0 = Date.now();
  await page.goto(url);
  await page
    .getByRole('treeitem', { name: new RegExp(`^Data center, \\d+ of ${hostCount} hosts up`) })
    .waitFor({ timeout: 120_000 });
  const treeMs = Date.now() - t0;
  await saveProfile('load');
  await page.screenshot({ path: join(out, 'dashboard.png') });

  const t1 = Date.now();
  await page.getByRole('button', { name: 'All VMs' }).click();
  await page.getByRole('grid', { name: 'All VMs' }).getByRole('row').nth(20).waitFor();
  const gridMs = Date.now() - t1;
  const rowsInDom = await page.getByRole('grid', { name: 'All VMs' }).getByRole('row').count();

  // The frame rate this browser reaches here doing nothing, to read the scrolling figure against.
  const idleFps = await page.evaluate(`new Promise((resolve) => {
    let frames = 0;
    const start = performance.now();
    const step = () => {
      frames++;
      if (performance.now() - start < 2000) requestAnimationFrame(step);
      else resolve(frames / ((performance.now() - start) / 1000));
    };
    requestAnimationFrame(step);
  })`);
  // Scroll the grid one step per frame for two seconds and count the frames drawn meanwhile,
  // and those that took over 20 ms (under 50 fps: a visible stutter).
  await startProfile();
  if (tracePrefix) {
    await browser.startTracing(page, {
      path: `${tracePrefix}-scroll.json`,
      categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'],
    });
  }
  const scroll = await page.evaluate<{
    fps: number;
    framesOver20ms: number;
  }>(`new Promise((resolve) => {
    const body = document.querySelector('[role=grid] .grid-body');
    const stamps = [];
    const step = (now) => {
      body.scrollTop += Number(new URLSearchParams(location.search).get("step") ?? 240);
      stamps.push(now);
      if (now - stamps[0] < 2000) requestAnimationFrame(step);
      else {
        const gaps = stamps.slice(1).map((t, i) => t - stamps[i]);
        resolve({
          fps: gaps.length / ((now - stamps[0]) / 1000),
          framesOver20ms: gaps.filter((gap) => gap > 20).length,
        });
      }
    };
    requestAnimationFrame(step);
  })`);
  if (tracePrefix) await browser.stopTracing();
  await saveProfile('scroll');
  await page.screenshot({ path: join(out, 'all-vms.png') });

  let baseline: object | undefined;
  if (plainTable) {
    const fleet = await page.evaluate<FleetSnapshot>('fakeFleetClient.getFleet()');
    baseline = {
      scrollFrames,
      ...(await scrollGridAgainstPlainTable(page, plainTableRows(fleet.vms), scrollFrames, () =>
        page.screenshot({ path: join(out, 'plain-table.png') }),
      )),
    };
  }

  await startProfile();
  const t2 = Date.now();
  const cpuHeader = page.getByRole('columnheader', { name: 'CPU', exact: true });
  await cpuHeader.getByRole('button').click();
  await page.locator('[role=columnheader][aria-sort=ascending]', { hasText: /^CPU/ }).waitFor();
  const sortMs = Date.now() - t2;
  await saveProfile('sort');

  // Filter the grid (2 VMs of 50 match) and time it until the count says so.
  await startProfile();
  const t3 = Date.now();
  await page.getByRole('searchbox', { name: 'Filter All VMs' }).fill('web-1');
  await page
    .getByRole('status')
    .filter({ hasText: new RegExp(`^0 of (?!${hostCount * vmsPerHost} )\\d+ selected$`) })
    .waitFor();
  const filterMs = Date.now() - t3;
  await saveProfile('filter');
  await page.getByRole('searchbox', { name: 'Filter All VMs' }).fill('');

  // The same, timed in the page from the event to the next frame drawn (React renders a click or
  // an input at once), without the round trips of driving the browser: a sort by CPU, descending
  // now, and the filter again.
  const toNextFrame = (action: string) =>
    page.evaluate<number>(`new Promise((resolve) => {
      const start = performance.now();
      ${action};
      requestAnimationFrame(() => resolve(performance.now() - start));
    })`);
  const sortFrameMs = await toNextFrame(
    `[...document.querySelectorAll('[role=columnheader] button')].find((b) => b.textContent.startsWith('CPU')).click()`,
  );
  const filterFrameMs = await toNextFrame(`{
    const input = document.querySelector('input[aria-label="Filter All VMs"]');
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, 'web-1');
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }`);
  await page
    .getByRole('status')
    .filter({ hasText: new RegExp(`^0 of (?!${hostCount * vmsPerHost} )\\d+ selected$`) })
    .waitFor();
  await page.getByRole('searchbox', { name: 'Filter All VMs' }).fill('');

  await page.getByRole('searchbox', { name: 'Search hosts, VMs and tags' }).fill('web-');
  await page
    .getByRole('treeitem', { name: /^web-05, / })
    .first()
    .waitFor();
  await page
    .getByRole('treeitem', { name: /^web-05, / })
    .first()
    .click();
  await page.getByRole('tab', { name: 'Performance' }).click();
  await page.waitForTimeout(6000);
  await page.screenshot({ path: join(out, 'vm-performance.png') });
  await page.getByRole('tab', { name: 'Snapshots' }).click();
  await page.screenshot({ path: join(out, 'vm-snapshots.png') });
  await page.getByRole('tab', { name: 'Consoles' }).click();
  await page.getByRole('button', { name: 'Open serial console' }).click();
  await page.getByRole('button', { name: 'Open graphical console' }).click();
  await page.screenshot({ path: join(out, 'vm-consoles.png') });
  await page.getByRole('treeitem', { name: /^kvm002, / }).click();
  await page.getByRole('img', { name: /^CPU: .* now/ }).waitFor();
  await page.screenshot({ path: join(out, 'host-view.png') });
  await browser.close();
  console.log(
    JSON.stringify(
      {
        hosts: hostCount,
        vms: hostCount * vmsPerHost,
        treeMs,
        gridMs,
        rowsInDom,
        changedShare,
        idleFps,
        scrollFps: scroll.fps,
        framesOver20ms: scroll.framesOver20ms,
        plainTable: baseline,
        sortMs,
        filterMs,
        sortFrameMs,
        filterFrameMs,
        errors,
      },
      null,
      2,
    ),
  );
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
