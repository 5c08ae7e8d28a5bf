// ConsoleView in Debian's Chromium (Playwright) under the renderer's CSP, against the real test
// bed: the page (console-view/harness.tsx, built by Vite) renders the real ConsoleView; its
// client's calls come here to a real ConsoleManager and its events go back. The serial console
// runs a typed command, "Type clipboard" types, Ctrl+] ends the console and Reconnect reopens
// it; the graphical console draws the VM's display in noVNC. Screenshots: test-results/.
/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { extname, join } from 'node:path';
import { test } from 'node:test';
import react from '@vitejs/plugin-react';
import { chromium, type Locator, type Page } from 'playwright-core';
import { build } from 'vite';
import { ConsoleManager, type ConsoleSink } from '../../app/main/consoles/console-manager.js';
import { FleetService } from '../../app/main/fleet/fleet-service.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { Inventory } from '../../app/main/inventory/index.js';
import { HostKeyTrust } from '../../app/main/ssh/host-key-trust.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm, removeVm } from '../support/tiny-vm.js';
import type {} from './console-view/harness-api.js';

const bed = testbed();
const root = join(import.meta.dirname, '../..');
const vm = `${bed.prefix}view`;
const ORIGIN = 'http://localhost';
const artifacts = join(root, 'test-results/console-view');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
};

/** What the page's client calls, served by the ConsoleManager for the page's one sink. */
function serve(manager: ConsoleManager, sink: ConsoleSink) {
  const bytes = (arg: unknown) => Buffer.from((arg as { base64: string }).base64, 'base64');
  return async (method: string, args: unknown[]): Promise<unknown> => {
    switch (method) {
      case 'openConsole': {
        const [ref, kind, size] = args as [
          { host: string; vm: string },
          'serial' | 'graphics',
          { cols: number; rows: number } | undefined,
        ];
        return manager.openVmConsole(sink, ref.host, ref.vm, kind, size);
      }
      case 'consoleInput':
        return manager.input(args[0] as string, bytes(args[1]));
      case 'consoleResize':
        return manager.resize(args[0] as string, args[1] as number, args[2] as number);
      case 'consoleAck':
        return manager.ack(args[0] as string, args[1] as number);
      case 'closeConsole':
        return manager.close(args[0] as string);
      default:
        throw new Error(`The harness does not serve ${method}.`);
    }
  };
}

/** Resolves once the element's text contains `text` (re-checked on each animation frame). */
async function waitForText(page: Page, selector: string, text: string, timeout = 30_000) {
  await page.waitForFunction(
    ([s, t]) => (document.querySelector(s!)?.textContent ?? '').includes(t!),
    [selector, text],
    { timeout, polling: 'raf' },
  );
}

test(
  'ConsoleView shows the serial and graphical consoles in Chromium',
  { timeout: 300_000 },
  async (t) => {
    const dir = mkdtempSync(join(bed.runDir, 'console-view-'));
    const ssh = await connectToTestbed(bed);
    const virsh = new KvmDriver(ssh);
    const inventory = Inventory.open({ dataDir: dir });
    const fleet = new FleetService({
      inventory,
      trust: new HostKeyTrust({ userKnownHostsFiles: [], convirtStoreFile: join(dir, 'store') }),
    });
    const manager = new ConsoleManager({ fleet, localTerminal: false });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    });
    t.after(async () => {
      await browser.close();
      manager.dispose();
      fleet.close();
      inventory.close();
      try {
        await removeVm(virsh, vm);
        await ssh.run(['rm', '-f', `${bed.imagesDir}/${vm}.qcow2`]);
      } finally {
        ssh.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    const outDir = join(dir, 'page');
    await build({
      configFile: false,
      root: join(import.meta.dirname, 'console-view'),
      base: './',
      plugins: [react()],
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    await defineTinyVm(ssh, bed, vm, 'view', { graphics: true });
    await virsh.start(vm);
    await fleet.addHost(
      {
        name: 'tb',
        address: '127.0.0.1',
        port: bed.sshd.port,
        username: bed.sshd.username,
        authMethod: 'key',
        identityFile: bed.sshd.clientKeyPath,
      },
      { acceptFingerprint: bed.sshd.hostKeyFingerprint },
    );

    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ORIGIN });
    await context.route(`${ORIGIN}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      const file = join(outDir, path === '/' ? 'index.html' : path);
      return route.fulfill({
        body: readFileSync(file),
        contentType: MIME[extname(file)] ?? 'application/octet-stream',
      });
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/.test(msg.text())) problems.push(msg.text());
    });
    const sink: ConsoleSink = {
      data: (consoleId, data) =>
        void page
          .evaluate(
            ([id, b64]) => window.harnessEmit('consoleData', { consoleId: id!, data: b64! }),
            [consoleId, Buffer.from(data).toString('base64')],
          )
          .catch(() => undefined),
      closed: (consoleId, reason) =>
        void page
          .evaluate(
            ([id, why]) =>
              window.harnessEmit('consoleClosed', { consoleId: id, reason: why ?? null }),
            [consoleId, reason] as const,
          )
          .catch(() => undefined),
    };
    await page.exposeFunction('harnessCall', serve(manager, sink));
    await page.goto(`${ORIGIN}/index.html?host=tb&vm=${vm}`);
    mkdirSync(artifacts, { recursive: true });

    const serial = page.getByRole('region', { name: `Serial console of tb/${vm}` });
    const graphics = page.getByRole('region', { name: `Graphical console of tb/${vm}` });
    const serialRows = `section[aria-label="Serial console of tb/${vm}"] .xterm-rows`;
    const status = (region: Locator) => region.getByRole('status');

    await t.test('the serial console runs a command typed into xterm', async () => {
      await waitForText(
        page,
        `section[aria-label="Serial console of tb/${vm}"] [role=status]`,
        'Connected',
      );
      await serial.locator('.xterm').click();
      // The guest's shell may still be starting: Enter until its prompt shows.
      for (let i = 0; ; i++) {
        await page.keyboard.press('Enter');
        try {
          await waitForText(page, serialRows, 'view# ', 2000);
          break;
        } catch (err) {
          if (i > 30) throw err;
        }
      }
      await page.keyboard.type('echo convirt-$((6*7))-ok');
      await page.keyboard.press('Enter');
      await waitForText(page, serialRows, 'convirt-42-ok');
    });

    await t.test('"Type clipboard" types the clipboard text', async () => {
      await page.evaluate(() => navigator.clipboard.writeText('echo typed-$((2+3))-ok\n'));
      await serial.getByRole('button', { name: 'Type clipboard' }).click();
      await waitForText(page, serialRows, 'typed-5-ok');
    });

    await t.test('the graphical console draws the VM display in noVNC', async () => {
      await waitForText(
        page,
        `section[aria-label="Graphical console of tb/${vm}"] [role=status]`,
        'Connected',
      );
      const display = graphics.getByRole('img', { name: `Display of tb/${vm}` });
      // Drawn: the canvas has the guest's resolution and more than one colour on it.
      const drawn = await page.waitForFunction(
        (selector) => {
          const canvas = document.querySelector<HTMLCanvasElement>(`${selector} canvas`);
          if (!canvas || canvas.width === 0) return false;
          const pixels = canvas
            .getContext('2d')!
            .getImageData(0, 0, canvas.width, canvas.height).data;
          const colours = new Set<number>();
          for (let i = 0; i < pixels.length && colours.size < 2; i += 4) {
            colours.add((pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!);
          }
          return colours.size > 1 ? `${canvas.width}x${canvas.height}` : false;
        },
        `section[aria-label="Graphical console of tb/${vm}"]`,
        { timeout: 60_000 },
      );
      t.diagnostic(`VNC framebuffer ${await drawn.jsonValue()}`);
      assert.ok(await display.isVisible());
      await page.screenshot({ path: join(artifacts, 'consoles.png') });
    });

    await t.test(
      'Ctrl+] ends the serial console with a reason; Reconnect opens it again',
      async () => {
        await serial.locator('.xterm').click();
        await page.keyboard.press('Control+BracketRight');
        await waitForText(
          page,
          `section[aria-label="Serial console of tb/${vm}"] [role=status]`,
          'ended',
        );
        assert.match((await status(serial).textContent()) ?? '', /serial console of tb\/.* ended/i);
        await page.screenshot({ path: join(artifacts, 'serial-closed.png') });
        await serial.getByRole('button', { name: 'Reconnect' }).click();
        await waitForText(
          page,
          `section[aria-label="Serial console of tb/${vm}"] [role=status]`,
          'Connected',
        );
        await serial.locator('.xterm').click();
        await page.keyboard.type('echo again-$((1+1))');
        await page.keyboard.press('Enter');
        await waitForText(page, serialRows, 'again-2', 30_000);
      },
    );

    assert.deepEqual(problems, [], 'no page errors, nothing refused by the CSP');
  },
);
