// One end-to-end session: the renderer built for real, browser mode's real server (its own data
// folder and home) and Debian's Chromium driven by playwright-core, signed in through the
// printed one-time URL. Screenshots go to test-results/screenshots/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build as viteBuild } from 'vite';
import {
  startBrowserMode,
  type RunningBrowserMode,
} from '../../../app/main/browser-mode/browser-mode.js';
import { resolveDataDir } from '../../../app/main/inventory/index.js';
import type { HostPaths } from '../../../app/main/provisioning/provisioning-service.js';

const root = join(import.meta.dirname, '../../..');
export const SCREENSHOT_DIR = join(root, 'test-results/screenshots');

/** Chromium as the test bed has it; `npx playwright install` cannot download here. */
export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
};

export interface E2eApp {
  page: Page;
  browser: Browser;
  server: RunningBrowserMode;
  /** The server's data folder (its known_hosts is ConVirt's own store of host keys). */
  dataDir: string;
  /** Uncaught errors and Content Security Policy violations. */
  pageErrors: string[];
  /** Other errors the page logged (shown as diagnostics, e.g. a library's warnings). */
  consoleErrors: string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Builds the renderer once per process into a private folder (never a stale dist/). */
let built: Promise<string> | undefined;
function buildRenderer(dir: string): Promise<string> {
  built ??= viteBuild({
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: dir, emptyOutDir: true },
  }).then(() => dir);
  return built;
}

export interface E2eAppOptions {
  /** Where provisioning caches images on hosts (a test's own folder, removed with its run). */
  provisioningPaths?: HostPaths;
  /** The hosts' trust store for downloads by URL (the bed's run folder, not the user's home). */
  hostTrustDir?: string;
  /** The convirt.conf the app reads (the defaults alone otherwise). */
  configFile?: string;
  /** Poll intervals (tests poll every 2 s, focused hosts every 1 s). */
  polling?: { pollIntervalMs: number; fastPollIntervalMs: number };
}

export async function startE2eApp(options: E2eAppOptions = {}): Promise<E2eApp> {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-e2e-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const rendererDir = await buildRenderer(join(dir, 'renderer'));
  const dataDir = resolveDataDir({ flag: join(dir, 'data') });
  const server = await startBrowserMode({
    port: 0,
    dataDir,
    localTerminal: false,
    rendererDir,
    version: 'e2e',
    home,
    polling: { pollIntervalMs: 2000, fastPollIntervalMs: 1000 },
    ...options,
  });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ ...CHROMIUM, headless: true });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    const consoleErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const line = `${msg.text()} (${msg.location().url})`;
      if (/Content Security Policy|Refused to|Failed to load resource/.test(msg.text())) {
        pageErrors.push(line);
      } else {
        consoleErrors.push(line);
      }
    });
    await page.goto(server.url);
    const open = browser;
    return {
      page,
      browser: open,
      server,
      dataDir,
      pageErrors,
      consoleErrors,
      screenshot: async (name) => {
        await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
      },
      close: async () => {
        await open.close();
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await browser?.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
