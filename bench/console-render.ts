// The page's cost of rendering a serial flood in xterm, without a host: in headless Chromium, a
// terminal (110 x 35, 10,000 lines of scrollback, as the Consoles tab's) gets a flood of 'Z's at
// the rate bench:ui's guest reaches (500 bytes every 5 ms, about 0.1 MB/s, in main's 5 ms
// pieces) for 10 s, written two ways, alternating: as it comes (the baseline: xterm redraws
// at every frame) and paced as the Consoles tab writes it (app/renderer/src/consoles/
// paced-writes.ts). Reports, per run and as medians, the CPU all of Chromium's processes used
// (cores, from /proc), the page's main thread busy time (Chrome's TaskDuration), and the bytes
// written.
// Run: npm run bench:console-render [-- --runs N --seconds S]
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build, stop as stopEsbuild } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../test/e2e/support/e2e-app.js';
import { descendantsCpuSeconds, median } from './simulated-fleet.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, seconds: { type: 'string', default: '10' } },
});
const runs = Number(values.runs);
const seconds = Number(values.seconds);
const root = join(import.meta.dirname, '..');

// The page: xterm and the app's own pacing, bundled.
const bundle = await build({
  stdin: {
    contents: `
      import { Terminal } from '@xterm/xterm';
      import { pacedWrites } from './app/renderer/src/consoles/paced-writes.ts';
      Object.assign(globalThis, { Terminal, pacedWrites });`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  write: false,
  format: 'iife',
});
const script = bundle.outputFiles[0]!.contents;
await stopEsbuild(); // its service process would count as Chromium's below
const css = readFileSync(join(root, 'node_modules/@xterm/xterm/css/xterm.css'));
const html =
  '<!doctype html><link rel=stylesheet href=/xterm.css>' +
  '<div id=screen style="width:900px;height:600px"></div><script src=/page.js></script>';
const server = createServer((req, res) => {
  if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
  else if (req.url === '/xterm.css') res.writeHead(200, { 'content-type': 'text/css' }).end(css);
  else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
}).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const port = (server.address() as { port: number }).port;

/** CPU seconds used so far by Chromium: every process under this one (esbuild's has ended). */
const chromiumCpuSeconds = () => descendantsCpuSeconds(process.pid);

const browser = await chromium.launch({ ...CHROMIUM, headless: true });
const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
await page.goto(`http://127.0.0.1:${port}/`);
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
const mainThreadBusy = async () => {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'TaskDuration')!.value;
};

type Way = 'as it comes' | 'paced';
const results: Record<Way, { chromiumCores: number; mainThreadCores: number; mbps: number }[]> = {
  'as it comes': [],
  paced: [],
};
for (let run = 1; run <= runs; run++) {
  for (const way of ['as it comes', 'paced'] as const) {
    const busy0 = await mainThreadBusy();
    const cpu0 = chromiumCpuSeconds();
    const started = Date.now();
    // A page script as a string: tsx would wrap named inner functions in a helper the page lacks.
    const written = await page.evaluate<number>(`new Promise((resolve) => {
      document.getElementById('screen').replaceChildren();
      const term = new Terminal({ scrollback: 10000, cols: 110, rows: 35 });
      term.open(document.getElementById('screen'));
      const paced = ${way === 'paced'} ? pacedWrites(term) : null;
      const chunk = new TextEncoder().encode('Z'.repeat(500));
      let written = 0;
      const start = performance.now();
      const tick = setInterval(() => {
        if (paced) paced.write(chunk, () => {});
        else term.write(chunk, () => {});
        written += chunk.length;
        if (performance.now() - start < ${seconds * 1000}) return;
        clearInterval(tick);
        paced?.flush();
        term.write('', () => {
          paced?.dispose();
          term.dispose();
          resolve(written);
        });
      }, 5);
    })`);
    const wall = (Date.now() - started) / 1000;
    const figures = {
      chromiumCores: (chromiumCpuSeconds() - cpu0) / wall,
      mainThreadCores: ((await mainThreadBusy()) - busy0) / wall,
      mbps: written / wall / 1e6,
    };
    results[way].push(figures);
    console.error(
      `[bench] run ${run}/${runs}, ${way}: Chromium ${figures.chromiumCores.toFixed(2)} cores, ` +
        `page main thread ${figures.mainThreadCores.toFixed(2)}, ${figures.mbps.toFixed(3)} MB/s`,
    );
  }
}
await browser.close();
server.close();

const round = (x: number) => Math.round(x * 1000) / 1000;
const summary = (way: Way) => ({
  medianChromiumCores: round(median(results[way].map((r) => r.chromiumCores))),
  runsChromiumCores: results[way].map((r) => round(r.chromiumCores)),
  medianMainThreadCores: round(median(results[way].map((r) => r.mainThreadCores))),
  medianMBps: round(median(results[way].map((r) => r.mbps))),
});
const baseline = summary('as it comes');
const paced = summary('paced');
console.log(
  JSON.stringify(
    {
      flood: '500 bytes every 5 ms, 110 x 35 terminal',
      secondsPerRun: seconds,
      runs,
      baselineAsItComes: baseline,
      paced,
      ratioChromiumCoresPacedToBaseline: round(
        paced.medianChromiumCores / baseline.medianChromiumCores,
      ),
    },
    null,
    2,
  ),
);
