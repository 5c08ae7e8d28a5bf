// npm run bench:ui — the UI at fleet scale, in Debian's Chromium on browser mode's real server:
// 100 simulated hosts x 50 VMs (libvirt test-driver URIs through the test bed's real sshd, added
// through the contract as an operator would), then
//   1. time from navigation to a usable tree (100 hosts) and All VMs grid (5,000 rows, a click
//      selects one), median of several page loads;
//   2. frame rate while the 5,000-row grid scrolls, against the same rows as a plain
//      non-virtualized table in the same page (the baseline), medians;
//   3. search and sort of the All VMs grid: time from the change to the grid showing it;
//   4. 3 MB through a tiny VM's serial console in the console tab: input delay of real key
//      events during the flood, and every byte counted where the page receives it; against the
//      same flood through `virsh console` over plain `ssh -t` to the same host (the baseline),
//      and through the manager alone (a contract client that acknowledges every chunk at once,
//      no page), 3 runs each way, alternating, with the CPU time the emulated guest got in each.
// `--light`: simulated hosts answer polls from canned output (bench/light-hosts.ts), for 1,000.
// Page-side code is passed as functions (the page's CSP forbids eval) without named inner
// functions (tsx would wrap them in a helper the page does not have).
/// <reference lib="dom" />
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import inspector from 'node:inspector/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { CONTRACT_PATH } from '../app/main/browser-mode/browser-server.js';
import { KvmDriver } from '../app/main/hypervisors/kvm/kvm-driver.js';
import { convirtContract, type ConvirtContract } from '../app/shared/contract/convirt-contract.js';
import {
  connectSocketClient,
  type SocketClient,
  type SocketLike,
} from '../app/shared/contract/socket-client.js';
import { decodeWire } from '../app/shared/contract/wire.js';
import { startTestbed } from '../test/bed/testbed.js';
import { FleetTree } from '../test/e2e/pages/fleet-tree.js';
import { VmPage } from '../test/e2e/pages/vm-page.js';
import { startE2eApp, type E2eApp } from '../test/e2e/support/e2e-app.js';
import { writeConvirtConf } from '../test/support/convirt-conf.js';
import {
  type FrameStats,
  plainTableRows,
  scrollGridAgainstPlainTable,
} from '../test/support/scroll-baseline.js';
import { connectToTestbed } from '../test/support/testbed.js';
import { defineTinyVm } from '../test/support/tiny-vm.js';
import { writeLightHosts } from './light-hosts.js';
import {
  descendantsCpuSeconds,
  isDescendant,
  median,
  descendantPids,
  processCpuSeconds,
  writeSimulatedHosts,
} from './simulated-fleet.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '100' },
    vms: { type: 'string', default: '50' },
    runs: { type: 'string', default: '5' },
    'scroll-frames': { type: 'string', default: '300' },
    'flood-mb': { type: 'string', default: '3' },
    // Floods each way, alternating (ssh -t, then the page): the guest's speed varies with load.
    'flood-runs': { type: 'string', default: '3' },
    // QEMU at nice -10 for both ways: the guest then gets the CPU it would have on a host of its
    // own, instead of sharing it with the page (which renders the flood) and the manager.
    'guest-priority': { type: 'boolean', default: false },
    // --guest-priority, and the client side (this process: the manager, the benchmark and the
    // baseline's ssh client; and Chromium) in scheduler autogroups at nice 19, for every way: the
    // emulated host then runs first, as it would on a machine of its own.
    'host-first': { type: 'boolean', default: false },
    // The host side (QEMU, libvirtd, virtlogd, the bed's sshd and what they start) on the last
    // CPU, the client side (this process, its Chromium and the baseline's ssh client) on the
    // others, for every way: the emulated host then has a CPU the browser cannot take, as a
    // real host has its own machine. With --guest-priority, QEMU then outranks only the host's
    // own serial chain (libvirtd, sshd, virsh console) on that CPU.
    'split-cores': { type: 'boolean', default: false },
    'skip-console': { type: 'boolean', default: false },
    // Only the serial flood (no simulated fleet): for working on the console path.
    'console-only': { type: 'boolean', default: false },
    light: { type: 'boolean', default: false },
    // Writes the page's CPU profile of the last measured load there (Chrome DevTools' format).
    'cpu-profile': { type: 'string' },
    // The same for this process (browser mode's server, the backend and its poller).
    'main-profile': { type: 'string' },
    'flood-profile': { type: 'string' },
    // A Chrome trace of the last flood through the page: its style, layout, paint and raster.
    'flood-trace': { type: 'string' },
    // A Chrome trace of the first measured scroll, grid then plain table (DevTools' Performance
    // panel): each frame's style, layout and paint, which a CPU profile shows as "(program)".
    'scroll-trace': { type: 'string' },
    // Every host polled this often (hosts the page shows: twice as often). 2 s by default, as the
    // e2e tests; ConVirt's own default is 10 s, which at 1,000 hosts leaves the machine room.
    'poll-seconds': { type: 'string', default: '2' },
  },
});
const hostCount = Number(values.hosts);
const vmCount = Number(values.vms);
const runs = Number(values.runs);
const scrollFrames = Number(values['scroll-frames']);
const floodBytes = Number(values['flood-mb']) * 1024 * 1024;
const floodRuns = Number(values['flood-runs']);
// Split, the two sides no longer compete for a core: nice 19 on the client would do nothing.
if (values['split-cores'] && values['host-first'])
  throw new Error('--split-cores and --host-first: choose one way to give the host its CPU');
// \132 is Z: the echo of the command line holds no Z, the flood nothing else.
const floodCommand = `echo S''TART; head -c ${floodBytes} /dev/zero | tr '\\0' '\\132'; echo; echo E''ND\r`;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** A contract client signed in with the page's own session cookie. */
async function pageContractClient(app: E2eApp): Promise<SocketClient<ConvirtContract>> {
  const origin = `http://127.0.0.1:${app.server.port}`;
  const cookie = (await app.page.context().cookies(origin))
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
  return connectSocketClient(convirtContract, {
    open: () =>
      new WebSocket(`ws://127.0.0.1:${app.server.port}${CONTRACT_PATH}`, {
        headers: { Cookie: cookie, Origin: origin },
      }) as unknown as SocketLike,
    later: (fn, ms) => void setTimeout(fn, ms),
  });
}

const bed = await startTestbed(log, { xenHost: false });
const uris = writeSimulatedHosts(bed.info.runDir, hostCount, vmCount);
const pollIntervalMs = Number(values['poll-seconds']) * 1000;
const app = await startE2eApp({
  polling: { pollIntervalMs, fastPollIntervalMs: pollIntervalMs / 2 },
  ...(values.light
    ? {
        configFile: writeConvirtConf(join(bed.info.runDir, 'bench-ui-conf'), {
          exec_path: `${writeLightHosts(bed.info.runDir, uris)}:$PATH`,
        }),
      }
    : {}),
});
app.page.setDefaultTimeout(120_000);
const client = await pageContractClient(app);
const ssh = await connectToTestbed(bed.info);
const consoleVm = `${bed.info.prefix}bench-ui`;
/** What this process's autogroup's nice was before clientSideLast, to restore it at exit. */
let ownAutogroupNice: string | undefined;
/** What --split-cores did, in words for the result. */
let splitCoresText: string | undefined;
/** The long-lived daemons --split-cores pinned, with their CPU lists before, to restore. */
const pinnedDaemons = new Map<number, string>();
/** Whether restoreMachineOnSignals has set its handlers (module scope: read by functions). */
let restoringOnSignals = false;

let consoleDisk: string | undefined;

// The backend runs in this process (browser mode's server): its memory is this process's.
let peakRss = 0;
const rssSampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
let memoryPolled: Record<string, number>;

try {
  if (values['console-only']) {
    console.log(
      JSON.stringify(
        { benchmark: 'the serial console flood', serialConsoleFlood: await consoleFlood() },
        null,
        2,
      ),
    );
  } else {
    // ---- the fleet, added through the contract (the service's real add-host path) --------------
    const failedHosts = new Map<string, string>();
    const addSimulatedHost = (next: [string, string]) =>
      client.addHost({
        name: next[0],
        address: bed.info.sshd.host,
        port: bed.info.sshd.port,
        username: bed.info.sshd.username,
        authMethod: 'key',
        identityFile: bed.info.sshd.clientKeyPath,
        hypervisor: 'kvm',
        libvirtUri: next[1],
        acceptFingerprint: bed.info.sshd.hostKeyFingerprint,
      });
    // Adding is set-up, not measured, so the page is closed meanwhile. (An open page once fetched
    // the whole fleet again on every host added, which at hundreds of hosts slowed adding to 20
    // hosts a minute; fleetChanged now carries only the host added.)
    await app.page.goto('about:blank');
    const addStart = performance.now();
    const queue = [...uris];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          // A loaded test machine can miss a handshake's deadline: try again, then report the host
          // rather than die (the figures then say how many hosts and VMs they cover).
          for (let attempt = 1; ; attempt++) {
            try {
              await addSimulatedHost(next);
              break;
            } catch (err) {
              log(`adding ${next[0]}, attempt ${attempt}: ${(err as Error).message}`);
              if (attempt === 3) {
                failedHosts.set(next[0], (err as Error).message);
                break;
              }
            }
          }
        }
      }),
    );
    const hostsAdded = hostCount - failedHosts.size;
    const vmsAdded = hostsAdded * vmCount;
    log(`${hostsAdded} hosts added in ${((performance.now() - addStart) / 1000).toFixed(1)} s`);
    for (;;) {
      const fleet = await client.getFleet();
      if (fleet.vms.length >= vmsAdded && fleet.hosts.every((h) => h.polledAt)) break;
      await new Promise((r) => setTimeout(r, 2000)); // a 50,000-VM getFleet is not free
    }
    log(`${vmsAdded} VMs polled`);
    // What the heap holds apart from garbage not yet collected: RSS alone reflects when V8 last
    // collected as much as what is live.
    const beforeGc = process.memoryUsage();
    (globalThis as { gc?: () => void }).gc?.();
    const afterGc = process.memoryUsage();
    memoryPolled = {
      rssMB: Math.round(beforeGc.rss / 1e6),
      heapUsedMB: Math.round(beforeGc.heapUsed / 1e6),
      heapUsedAfterFullGcMB: Math.round(afterGc.heapUsed / 1e6),
      externalMB: Math.round(afterGc.external / 1e6),
    };

    // ---- 1. navigation to a usable tree and grid -------------------------------------------------
    const page = app.page;
    const origin = `http://127.0.0.1:${app.server.port}/`;
    const loads: { treeMs: number; gridMs: number; usableMs: number }[] = [];
    for (let run = 0; run <= runs; run++) {
      const stopPageProfile = await profilePage(
        page,
        run === runs ? values['cpu-profile'] : undefined,
        `load ${run}`,
      );
      const mainProfiling = values['main-profile'] && run === runs ? new inspector.Session() : null;
      if (mainProfiling) {
        mainProfiling.connect();
        await mainProfiling.post('Profiler.enable');
        await mainProfiling.post('Profiler.start');
      }
      // Measured by a script in the page, clicks included: the benchmark's Playwright shares this
      // process's event loop with the server (and its 1,000 hosts' polls), and its round trips
      // per step would add the loop's delay to what the page takes. Playwright only starts it.
      await page.goto(origin, { waitUntil: 'commit' });
      const { treeMs, gridMs, usableMs } = await page.evaluate(
        async ([hosts, rows]) => {
          // Each step fails rather than hang when the page does not get there.
          const deadline = performance.now() + 120_000;
          // The tree is virtualized: the first host under Datacenter carries the count.
          while (
            document
              .querySelector('[role="tree"] [role="treeitem"][aria-level="2"]')
              ?.getAttribute('aria-setsize') !== String(hosts)
          ) {
            if (performance.now() > deadline)
              throw new Error('The page did not get there in 120 s');
            await new Promise((r) => requestAnimationFrame(r));
          }
          const tree = performance.now();
          [...document.querySelectorAll<HTMLButtonElement>('nav[aria-label="Main"] button')]
            .find((button) => button.textContent?.trim() === 'All VMs')!
            .click();
          const selector = '[role="grid"][aria-label="All VMs"]';
          while (
            document.querySelector(selector)?.getAttribute('aria-rowcount') !== String(rows + 1) ||
            !document.querySelector(`${selector} [role="row"][aria-rowindex="2"]`)
          ) {
            if (performance.now() > deadline)
              throw new Error('The page did not get there in 120 s');
            await new Promise((r) => requestAnimationFrame(r));
          }
          const grid = performance.now();
          document
            .querySelector<HTMLInputElement>(
              `${selector} [role="row"][aria-rowindex="2"] input[type="checkbox"]`,
            )!
            .click();
          while (
            !document.querySelector(
              `${selector} [role="row"][aria-rowindex="2"][aria-selected="true"]`,
            )
          ) {
            if (performance.now() > deadline)
              throw new Error('The page did not get there in 120 s');
            await new Promise((r) => requestAnimationFrame(r));
          }
          return { treeMs: tree, gridMs: grid, usableMs: performance.now() };
        },
        [hostsAdded, vmsAdded] as const,
      );
      await stopPageProfile();
      if (mainProfiling) {
        const { profile } = await mainProfiling.post('Profiler.stop');
        mainProfiling.disconnect();
        writeFileSync(values['main-profile']!, JSON.stringify(profile));
        log(`main's CPU profile of load ${run} written to ${values['main-profile']}`);
      }
      if (run === 0) continue; // warm-up: the server's and the browser's caches
      loads.push({ treeMs, gridMs, usableMs });
      log(
        `load ${run}/${runs}: tree ${treeMs.toFixed(0)} ms, grid ${gridMs.toFixed(0)} ms, usable ${usableMs.toFixed(0)} ms`,
      );
    }
    await app.screenshot('bench-ui-all-vms');

    // ---- 2. scrolling the grid, against a plain table of the same rows --------------------------
    const plainRows = plainTableRows((await client.getFleet()).vms);
    const virtualized: FrameStats[] = [];
    const plain: FrameStats[] = [];
    for (let run = 0; run <= runs; run++) {
      const tracing = values['scroll-trace'] && run === 1;
      if (tracing) {
        await app.browser.startTracing(page, {
          path: values['scroll-trace'],
          categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'],
        });
      }
      // The baseline: the same rows as a plain HTML table over the grid's own box, same page.
      const { grid, table } = await scrollGridAgainstPlainTable(page, plainRows, scrollFrames);
      if (tracing) {
        await app.browser.stopTracing();
        log(`a trace of scroll 1 written to ${values['scroll-trace']}`);
      }
      if (run === 0) continue;
      virtualized.push(grid);
      plain.push(table);
      log(
        `scroll ${run}/${runs}: grid ${grid.fps.toFixed(1)} fps, plain table ${table.fps.toFixed(1)} fps`,
      );
    }
    const summarize = (xs: FrameStats[]) => ({
      medianFps: round(median(xs.map((x) => x.fps))),
      runsFps: xs.map((x) => round(x.fps)),
      medianP95FrameMs: round(median(xs.map((x) => x.p95FrameMs))),
      medianFramesOver20ms: median(xs.map((x) => x.longFrames)),
    });

    // ---- 3. search and sort of the whole fleet's grid --------------------------------------------
    const searches: number[] = [];
    const sorts: number[] = [];
    for (let run = 0; run <= runs; run++) {
      // Filter: the needle matches a tenth of the rows (every host's vm1, vm10..vm19 ...).
      const filterMs = await page.evaluate(
        async ([needle, rows]) => {
          const input = document.querySelector<HTMLInputElement>(
            'input[aria-label="Filter All VMs"]',
          )!;
          const grid = document.querySelector('[role="grid"][aria-label="All VMs"]')!;
          // React listens to the native value setter, so the page's own code path runs.
          // eslint-disable-next-line @typescript-eslint/unbound-method -- called with the input
          const setValue = Object.getOwnPropertyDescriptor(
            HTMLInputElement.prototype,
            'value',
          )!.set!;
          const started = performance.now();
          setValue.call(input, needle);
          input.dispatchEvent(new Event('input', { bubbles: true }));
          while (grid.getAttribute('aria-rowcount') === String(rows + 1)) {
            await new Promise((r) => requestAnimationFrame(r));
          }
          const shown = performance.now() - started;
          setValue.call(input, '');
          input.dispatchEvent(new Event('input', { bubbles: true }));
          while (grid.getAttribute('aria-rowcount') !== String(rows + 1)) {
            await new Promise((r) => requestAnimationFrame(r));
          }
          return shown;
        },
        ['vm1', vmsAdded] as const,
      );
      // Sort: CPU descending then back to Name, each timed to the header saying so.
      const sortMs = await page.evaluate(async () => {
        // No named inner function (see the top): each header is found inline.
        const times: number[] = [];
        for (const name of ['Memory', 'Name']) {
          const started = performance.now();
          [...document.querySelectorAll('[aria-label="All VMs"] [role="columnheader"]')]
            .find((h) => h.textContent?.trim().startsWith(name))!
            .querySelector('button')!
            .click();
          while (
            [...document.querySelectorAll('[aria-label="All VMs"] [role="columnheader"]')]
              .find((h) => h.textContent?.trim().startsWith(name))!
              .getAttribute('aria-sort') !== 'ascending'
          ) {
            await new Promise((r) => requestAnimationFrame(r));
          }
          times.push(performance.now() - started);
        }
        return times[0]!;
      });
      if (run === 0) continue;
      searches.push(filterMs);
      sorts.push(sortMs);
      log(`search ${run}/${runs}: filter ${filterMs.toFixed(0)} ms, sort ${sortMs.toFixed(0)} ms`);
    }

    // ---- 4. a serial console flood in the console tab --------------------------------------------
    let consoleResult: unknown = 'skipped (--skip-console)';
    if (!values['skip-console']) consoleResult = await consoleFlood();

    console.log(
      JSON.stringify(
        {
          benchmark: 'the UI at fleet scale (Chromium, browser mode)',
          hosts: hostsAdded,
          vms: vmsAdded,
          failedHosts: Object.fromEntries(failedHosts),
          managerMemory: {
            note: "this process: browser mode's server and backend, and the benchmark's client",
            whenAllPolled: memoryPolled,
            peakRssMB: Math.round(peakRss / 1e6),
          },
          runs,
          pollIntervalMs,
          loginShell: bed.info.sshd.bashrcMasked
            ? "the login user's ~/.bashrc masked for sshd's sessions (test/bed/sshd.ts)"
            : "the login user's ~/.bashrc as the machine has it (not root, or none)",
          loadToUsable: {
            from: 'navigation start (page load, contract sign-in, getFleet, render)',
            medianTreeMs: Math.round(median(loads.map((l) => l.treeMs))),
            medianGridMs: Math.round(median(loads.map((l) => l.gridMs))),
            medianUsableMs: Math.round(median(loads.map((l) => l.usableMs))),
            runsUsableMs: loads.map((l) => Math.round(l.usableMs)),
          },
          gridScroll: {
            frames: scrollFrames,
            gridPixelsPerFrame: Math.round(virtualized[0]!.pixelsPerFrame),
            plainTablePixelsPerFrame: Math.round(plain[0]!.pixelsPerFrame),
            virtualizedGrid: summarize(virtualized),
            baselinePlainTable: summarize(plain),
            ratioFpsGridToPlain: round(
              median(virtualized.map((x) => x.fps)) / median(plain.map((x) => x.fps)),
              2,
            ),
          },
          searchAndSort: {
            rows: vmsAdded,
            from: 'the change to the grid showing it (next animation frame)',
            medianFilterMs: Math.round(median(searches)),
            runsFilterMs: searches.map((x) => Math.round(x)),
            medianSortMs: Math.round(median(sorts)),
            runsSortMs: sorts.map((x) => Math.round(x)),
          },
          serialConsoleFlood: consoleResult,
        },
        null,
        2,
      ),
    );
  }
} finally {
  restoreMachine();
  clearInterval(rssSampler);
  client.disconnect();
  await app.close();
  const virsh = new KvmDriver(ssh);
  if (await virsh.exists(consoleVm)) {
    if ((await virsh.state(consoleVm)) !== 'shutoff') await virsh.destroy(consoleVm);
    await ssh.run(['virsh', '-q', 'undefine', consoleVm]);
  }
  if (consoleDisk) await ssh.run(['rm', '-f', consoleDisk]);
  ssh.close();
  await bed.stop();
}

/**
 * Boots the tiny VM on the bed's own libvirt and floods its serial console `floodRuns` times each
 * way, alternating: through `virsh console` over plain `ssh -t` (the baseline), then through the
 * UI's console tab. The guest is emulated (QEMU without KVM) on the cores the page and the
 * manager share, so every run also reports the CPU time QEMU got: if both ways move the same
 * bytes per QEMU CPU second, the guest's serial port is the limit, not the path.
 */
async function consoleFlood() {
  const host = 'testbed';
  consoleDisk = await defineTinyVm(ssh, bed.info, consoleVm, 'benchui');
  await new KvmDriver(ssh).start(consoleVm);
  const qemu = qemuPidOf(consoleVm);
  await client.addHost({
    name: host,
    address: bed.info.sshd.host,
    port: bed.info.sshd.port,
    username: bed.info.sshd.username,
    authMethod: 'key',
    identityFile: bed.info.sshd.clientKeyPath,
    acceptFingerprint: bed.info.sshd.hostKeyFingerprint,
  });
  const received = { text: '', frames: 0 };
  // Everything the page receives for consoles, decoded as the page decodes it.
  app.page.on('websocket', (socket) =>
    socket.on('framereceived', ({ payload }) => {
      const message = decodeWire(String(payload)) as { event?: string; payload?: unknown };
      if (message.event !== 'consoleData') return;
      received.frames++;
      received.text += Buffer.from((message.payload as { data: Uint8Array }).data).toString(
        'latin1',
      );
    }),
  );
  if (values['host-first']) clientSideLast();
  if (values['split-cores']) splitCores(qemu);
  if (values['guest-priority'] || values['host-first']) {
    // Every thread of QEMU (its vCPU's included): Linux's nice is per thread.
    execFileSync('renice', ['-n', '-10', '-p', ...readdirSync(`/proc/${qemu}/task`)]);
    // With the scheduler's autogroups (one per session: QEMU, libvirtd, each SSH login, and this
    // process with its Chromium), nice weighs threads only against those of their own group, and
    // the groups share the CPU evenly: QEMU's group is given the same priority.
    const group = `/proc/${qemu}/autogroup`;
    if (existsSync(group)) {
      writeFileSync(group, '-10');
      log(`QEMU's ${readFileSync(group, 'utf8').trim()}, shared with: ${sharingAutogroup(qemu)}`);
    }
  }
  const startCpu = cpuWindow(qemu);
  const baseline: SshFlood[] = [];
  const convirt: PageFlood[] = [];
  const managerAlone: ManagerFlood[] = [];
  for (let run = 1; run <= floodRuns; run++) {
    baseline.push(await sshConsoleFlood(startCpu));
    convirt.push(await pageConsoleFlood(host, received, startCpu, run === floodRuns));
    managerAlone.push(await managerConsoleFlood(host, startCpu));
    log(
      `flood ${run}/${floodRuns}: ssh -t ${baseline.at(-1)!.megabytesPerSecond} MB/s, ConVirt ${convirt.at(-1)!.megabytesPerSecond} MB/s (${convirt.at(-1)!.frames} frames), the manager alone ${managerAlone.at(-1)!.megabytesPerSecond} MB/s (${managerAlone.at(-1)!.frames} frames)`,
    );
  }
  const medianOf = (xs: { megabytesPerSecond: number }[]) =>
    median(xs.map((x) => x.megabytesPerSecond));
  const delays = convirt.flatMap((x) => x.delays).sort((a, b) => a - b);
  return {
    floodBytes,
    runsEachWay: floodRuns,
    order: 'alternating, the baseline first in each pair',
    guestPriority:
      values['guest-priority'] || values['host-first']
        ? 'QEMU at nice -10, its threads and its autogroup'
        : 'QEMU at the default nice 0',
    clientSide: values['host-first']
      ? 'this process (the manager, the benchmark, the ssh -t client) and Chromium in autogroups at nice 19'
      : 'default priority',
    cores: splitCoresText ?? 'shared by every process',
    everyByteArrived: [...baseline, ...convirt, ...managerAlone].every((x) => x.everyByteArrived),
    xtermShowsEnd: true,
    medianMegabytesPerSecond: medianOf(convirt),
    baselineMedianMegabytesPerSecond: medianOf(baseline),
    ratioToBaseline: round(medianOf(convirt) / medianOf(baseline), 2),
    managerAloneMedianMegabytesPerSecond: medianOf(managerAlone),
    managerAloneRatioToBaseline: round(medianOf(managerAlone) / medianOf(baseline), 2),
    medianFramesToPage: median(convirt.map((x) => x.frames)),
    medianMegabytesPerQemuCpuSecond: median(convirt.map((x) => x.megabytesPerQemuCpuSecond)),
    baselineMedianMegabytesPerQemuCpuSecond: median(
      baseline.map((x) => x.megabytesPerQemuCpuSecond),
    ),
    inputDelay: {
      samples: delays.length,
      probesSent: convirt.reduce((sum, x) => sum + x.probes, 0),
      medianMs: round(median(delays)),
      p95Ms: round(delays[Math.floor(delays.length * 0.95)] ?? NaN),
      maxMs: round(delays.at(-1) ?? NaN),
    },
    runs: {
      convirt: convirt.map(({ delays: _, ...run }) => run),
      baselineVirshConsoleOverSshT: baseline,
      managerAloneNoPage: managerAlone,
    },
  };
}

/**
 * Starts the page's CPU profiler when `file` is given; the function returned stops it and writes
 * the profile (`what` names it in the log).
 */
async function profilePage(page: Page, file: string | undefined, what: string) {
  if (!file) return async () => {};
  const session = await page.context().newCDPSession(page);
  await session.send('Profiler.enable');
  await session.send('Profiler.start');
  return async () => {
    const { profile } = await session.send('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    log(`the page's CPU profile of ${what} written to ${file}`);
  };
}

/**
 * CPU used between start and stop, as shares of the flood's seconds: QEMU's (and the flood's MB
 * per QEMU CPU-second), this process's (the manager and the benchmark's Playwright client) and
 * its children's (Chromium; the test bed's sshd and its sessions, libvirtd, the baseline's ssh
 * client), QEMU aside.
 */
function cpuWindow(qemu: number): () => (seconds: number) => CpuShares {
  const qemuIsOurs = isDescendant(qemu, process.pid);
  const sample = () => {
    const { user, system } = process.cpuUsage();
    return [processCpuSeconds(qemu), (user + system) / 1e6, descendantsCpuSeconds(process.pid)];
  };
  return () => {
    const before = sample();
    return (seconds) => {
      const [qemuCpu, own, children] = sample().map((after, i) => after - before[i]!) as [
        number,
        number,
        number,
      ];
      return {
        qemuCpuSeconds: round(qemuCpu),
        qemuCpuShare: round(qemuCpu / seconds, 2),
        megabytesPerQemuCpuSecond: round(floodBytes / 1024 / 1024 / qemuCpu, 3),
        managerCpuShare: round(own / seconds, 2),
        bedAndChromiumCpuShare: round((children - (qemuIsOurs ? qemuCpu : 0)) / seconds, 2),
      };
    };
  };
}

interface CpuShares {
  qemuCpuSeconds: number;
  qemuCpuShare: number;
  megabytesPerQemuCpuSecond: number;
  managerCpuShare: number;
  bedAndChromiumCpuShare: number;
}
type CpuWindow = ReturnType<typeof cpuWindow>;
type PageFlood = Awaited<ReturnType<typeof pageConsoleFlood>>;
type SshFlood = Awaited<ReturnType<typeof sshConsoleFlood>>;
type ManagerFlood = Awaited<ReturnType<typeof managerConsoleFlood>>;

/**
 * One flood through the console tab of a freshly loaded page (a page left closes its console,
 * which libvirt allows one of), while Shift is pressed every 100 ms (real input events, which
 * xterm sends nothing for). Input delay is each keydown's handler time minus the event's own time
 * stamp. Bytes are counted from the page's WebSocket frames (`received`).
 */
async function pageConsoleFlood(
  host: string,
  received: { text: string; frames: number },
  startCpu: CpuWindow,
  last: boolean,
) {
  const page = app.page;
  const tree = new FleetTree(page);
  const vmPage = new VmPage(page, consoleVm);
  await page.goto(`http://127.0.0.1:${app.server.port}/`);
  await tree.search(consoleVm);
  await tree.expandHost(host);
  await tree.openVm(consoleVm);
  await vmPage.openConsole(host, 'Serial');
  await vmPage.waitForPrompt(host, 'benchui#');
  await page.evaluate(() => {
    const delays: number[] = [];
    (window as unknown as { benchDelays: number[] }).benchDelays = delays;
    window.addEventListener(
      'keydown',
      (e) => {
        if (e.key === 'Shift') delays.push(performance.now() - e.timeStamp);
      },
      { capture: true },
    );
  });

  // --flood-profile FILE: the page's CPU profile of the last flood through it.
  const stopPageProfile = await profilePage(
    page,
    last ? values['flood-profile'] : undefined,
    'the last flood',
  );
  const tracing = last && values['flood-trace'];
  if (tracing) {
    await app.browser.startTracing(page, {
      path: tracing,
      categories: [
        'devtools.timeline',
        'disabled-by-default-devtools.timeline',
        // what asked for each frame and timer (DevTools' "initiator")
        'disabled-by-default-devtools.timeline.stack',
      ],
    });
  }
  const mark = received.text.length;
  const framesBefore = received.frames;
  const stopCpu = startCpu();
  const started = performance.now();
  // In one piece, as the other ways write it (a paste into xterm): typed key by key, its 80 round
  // trips through Playwright would count against this way alone.
  await page.evaluate((text) => {
    const clipboardData = new DataTransfer();
    clipboardData.setData('text/plain', text);
    document
      .querySelector('.xterm-helper-textarea')!
      .dispatchEvent(
        new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true }),
      );
  }, floodCommand);
  let probes = 0;
  while (!/\r\nEND\r\n/.test(received.text.slice(-64)) && performance.now() - started < 600_000) {
    await page.keyboard.press('Shift');
    probes++;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = stopCpu(seconds);
  await stopPageProfile();
  if (tracing) {
    await app.browser.stopTracing();
    log(`a trace of the last flood written to ${tracing} (that flood's figures include its cost)`);
  }
  const frames = received.frames - framesBefore;
  await vmPage.waitForConsoleText(host, 'END', 60_000);
  const delays = await page.evaluate(
    () => (window as unknown as { benchDelays: number[] }).benchDelays,
  );
  await page.goto('about:blank'); // closes the console for the next baseline
  return { ...floodFigures(received.text.slice(mark), seconds), frames, ...cpu, probes, delays };
}

/**
 * The same flood through the manager alone: the benchmark's contract client (a WebSocket to
 * browser mode's server, as the page's) opens the console and acknowledges every chunk as it
 * comes; no page renders it. Against the page's figure, it says what the page costs.
 */
async function managerConsoleFlood(host: string, startCpu: CpuWindow) {
  let consoleId = '';
  let received = '';
  let frames = 0;
  const off = client.on('consoleData', ({ consoleId: id, data }) => {
    if (id !== consoleId) return;
    frames++;
    received += Buffer.from(data).toString('latin1');
    client.consoleAck(id, data.byteLength).catch(() => undefined);
  });
  ({ consoleId } = await client.openConsole({ host, vm: consoleVm }, 'serial', {
    cols: 80,
    rows: 24,
  }));
  try {
    const figures = await floodThrough(
      {
        name: 'the manager alone',
        received: () => received,
        type: (text) => client.consoleInput(consoleId, Buffer.from(text, 'latin1')),
        onFloodStart: () => (frames = 0),
      },
      startCpu,
    );
    return { ...figures, frames };
  } finally {
    off();
    await client.closeConsole(consoleId);
  }
}

/**
 * Types Enter every 2 s until the guest's prompt shows, then the flood command, and times it to
 * the END mark: the baseline's and the manager's way alike (`received`: everything that way has
 * received, a character per byte).
 */
async function floodThrough(
  way: {
    name: string;
    received: () => string;
    type: (text: string) => unknown;
    onFloodStart?: () => void;
  },
  startCpu: CpuWindow,
) {
  const waitFor = async (pattern: RegExp, ms: number) => {
    const deadline = performance.now() + ms;
    while (!pattern.test(way.received().slice(-4096))) {
      if (performance.now() > deadline) throw new Error(`${way.name}: no ${pattern} in time`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  for (let tries = 0; !/benchui#/.test(way.received().slice(-4096)) && tries < 60; tries++) {
    await way.type('\r');
    await new Promise((r) => setTimeout(r, 2000));
  }
  await waitFor(/benchui#/, 120_000);
  const mark = way.received().length;
  way.onFloodStart?.();
  const stopCpu = startCpu();
  const started = performance.now();
  await way.type(floodCommand);
  await waitFor(/\r\nEND\r\n/, 600_000);
  const seconds = (performance.now() - started) / 1000;
  const cpu = stopCpu(seconds);
  return { ...floodFigures(way.received().slice(mark), seconds), ...cpu };
}

/** What a flood way received since the flood command was typed, against what was sent. */
function floodFigures(text: string, seconds: number) {
  const flood = floodBetweenMarks(text);
  return {
    receivedFloodBytes: flood.length,
    everyByteArrived: flood.length === floodBytes && /^Z+$/.test(flood),
    seconds: round(seconds),
    megabytesPerSecond: round(floodBytes / 1024 / 1024 / seconds, 3),
  };
}

/** The flood's Z's, from what a console received since the flood command was typed. */
function floodBetweenMarks(text: string): string {
  return text.slice(text.indexOf('START\r\n') + 7, text.lastIndexOf('\r\nEND\r\n'));
}

/** The QEMU process of the bed's VM `name` (its command line names the guest). */
function qemuPidOf(name: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((arg) => arg === `guest=${name}` || arg.startsWith(`guest=${name},`))) {
        return Number(entry);
      }
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`No QEMU process for ${name}`);
}

/**
 * The baseline: the same flood through `virsh console` run over plain `ssh -t` (OpenSSH's client)
 * to the same host, timed from the command sent to END received. The console is closed after,
 * so ConVirt's console (which libvirt allows only one of) can open.
 */
async function sshConsoleFlood(startCpu: CpuWindow) {
  const sshd = bed.info.sshd;
  const child = spawn(
    'ssh',
    [
      '-tt',
      '-i',
      sshd.clientKeyPath,
      '-p',
      String(sshd.port),
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      `${sshd.username}@${sshd.host}`,
      'virsh',
      'console',
      '--force', // takes the console over if the page's is still being closed
      consoleVm,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let received = '';
  child.stdout.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  try {
    return await floodThrough(
      { name: 'ssh -t console', received: () => received, type: (text) => child.stdin.write(text) },
      startCpu,
    );
  } finally {
    child.stdin.write('\x1d'); // Ctrl-] leaves virsh console
    child.kill();
  }
}

/**
 * The client side's autogroups (this process's session, and Chromium's) at nice 19, for
 * --host-first. This process's group is its session's (the shell that started it too): its nice
 * is restored when the benchmark ends.
 */
function clientSideLast() {
  const own = '/proc/self/autogroup';
  if (!existsSync(own)) throw new Error('--host-first: this kernel has no scheduler autogroups');
  ownAutogroupNice = readFileSync(own, 'utf8').match(/nice (-?\d+)/)?.[1] ?? '0';
  restoreMachineOnSignals();
  writeFileSync(own, '19');
  const chromium = descendantPids(process.pid).filter((pid) =>
    /^chrom/.test(readFileSync(`/proc/${pid}/comm`, 'utf8')),
  );
  if (chromium.length === 0) throw new Error('--host-first: no Chromium process under this one');
  for (const pid of chromium) writeFileSync(`/proc/${pid}/autogroup`, '19');
  log(
    `the client side last: this process's ${readFileSync(own, 'utf8').trim()}, Chromium's ${chromium.length} processes' ${readFileSync(`/proc/${chromium[0]}/autogroup`, 'utf8').trim()}`,
  );
}

/** Every thread of each process on `cores` (a taskset list); processes gone meanwhile skipped. */
function pinTo(cores: string, pids: number[]) {
  for (const pid of pids) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
    } catch {
      if (existsSync(`/proc/${pid}`)) throw new Error(`taskset could not pin process ${pid}`);
    }
  }
}

/** The CPUs `pid` may run on, as taskset lists them ("0,1", "2-5"). */
function cpuListOf(pid: number): string {
  const out = execFileSync('taskset', ['-c', '-p', String(pid)], { encoding: 'utf8' });
  return out.slice(out.lastIndexOf(':') + 1).trim();
}

/** A taskset list's CPU numbers, in order. */
function cpusIn(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    const first = from!;
    return Array.from({ length: (to ?? first) - first + 1 }, (_, i) => first + i);
  });
}

/**
 * For --split-cores: this process and its children (Chromium, the next ssh -t) on all but the
 * last of this process's CPUs, then the emulated host's processes on the last one. The bed's
 * sshd is this process's child, so the host side goes second. What they start later inherits
 * its side's CPUs: the sshd's sessions and their `virsh console`, the next ssh -t.
 */
function splitCores(qemu: number) {
  const cpus = cpusIn(cpuListOf(process.pid));
  if (cpus.length < 2) throw new Error('--split-cores needs at least 2 CPUs');
  const hostCpu = String(cpus.at(-1));
  const clientCpus = cpus.slice(0, -1).join(',');
  const daemons = ['/run/libvirtd.pid', '/run/virtlogd.pid'].map((file) =>
    Number(readFileSync(file, 'utf8').trim()),
  );
  for (const pid of daemons) pinnedDaemons.set(pid, cpuListOf(pid));
  restoreMachineOnSignals();
  const hostSide = [qemu, ...daemons, bed.info.sshd.pid].flatMap((pid) => [
    pid,
    ...descendantPids(pid),
  ]);
  pinTo(clientCpus, [process.pid, ...descendantPids(process.pid)]);
  pinTo(hostCpu, hostSide);
  splitCoresText = `the host side (QEMU, libvirtd, virtlogd, sshd and its sessions: ${hostSide.length} processes) on CPU ${hostCpu}, the client side (this process, Chromium, ssh -t) on CPU ${clientCpus}`;
  log(splitCoresText);
}

/** The daemons --split-cores pinned back on the CPUs they had (they outlive the benchmark). */
function unpinDaemons() {
  for (const [pid, cpus] of pinnedDaemons) pinTo(cpus, [pid]);
  pinnedDaemons.clear();
}

/** Undoes what --host-first and --split-cores changed outside this process, step by step. */
function restoreMachine() {
  for (const step of [restoreOwnAutogroup, unpinDaemons]) {
    try {
      step();
    } catch (err) {
      log(`could not restore the machine: ${(err as Error).message}`);
    }
  }
}

/** restoreMachine also when the benchmark is interrupted (not on SIGKILL). */
function restoreMachineOnSignals() {
  if (restoringOnSignals) return;
  restoringOnSignals = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      restoreMachine();
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    });
  }
}

/** This process's autogroup back at its nice from before clientSideLast, if that ran. */
function restoreOwnAutogroup() {
  if (ownAutogroupNice !== undefined) writeFileSync('/proc/self/autogroup', ownAutogroupNice);
}

/** The other processes in `pid`'s scheduler autogroup, by name ("nothing": none). */
function sharingAutogroup(pid: number): string {
  const groupOf = (p: string) => {
    try {
      return readFileSync(`/proc/${p}/autogroup`, 'utf8').split(' ')[0];
    } catch {
      return undefined; // gone meanwhile
    }
  };
  const group = groupOf(String(pid));
  const names = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p) && p !== String(pid) && groupOf(p) === group)
    .map((p) => {
      try {
        return readFileSync(`/proc/${p}/comm`, 'utf8').trim();
      } catch {
        return `${p} (gone)`;
      }
    });
  return names.length > 0 ? names.join(', ') : 'nothing';
}
