// Brings the whole test bed up for one test run and down again.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLibvirtDaemons, stopDaemons, type StartedDaemon } from './daemons.js';
import { startDownloadServers, type DownloadServersInfo } from './nginx.js';
import { mustRun } from './process.js';
import { IMAGES_DIR, removeRun, removeStale, runPrefix } from './resources.js';
import { startSshd, stopSshd, type TestSshdInfo } from './sshd.js';
import { ensureSystemPackages } from './system-packages.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface TinyVmFixture {
  kernel: string;
  initrd: string;
  dataDisk: string;
  kernelVersion: string;
}

/** What integration tests receive (as JSON, through the CONVIRT_TESTBED variable). */
export interface TestbedInfo {
  prefix: string;
  runDir: string;
  imagesDir: string;
  sshd: TestSshdInfo;
  tinyVm: TinyVmFixture;
  /** Built files of image_store/'s appliances, as `<dir>/<appliance>/<file>`. */
  appliances: string;
  /** nginx and friends on loopback, for templates and ISOs downloaded by URL (nginx.ts). */
  downloads: DownloadServersInfo;
}

export const TESTBED_ENV = 'CONVIRT_TESTBED';

export function cacheDir(): string {
  return process.env.CONVIRT_TESTBED_CACHE ?? '/var/cache/convirt-testbed';
}

/** Builds the tiny VM fixture once; later calls return the cached copy. */
export async function ensureTinyVm(log: (line: string) => void): Promise<TinyVmFixture> {
  const dir = join(cacheDir(), 'tiny-vm');
  const out = await mustRun('bash', [join(here, 'tiny-vm', 'build.sh'), dir]);
  if (out.trim()) log(out.trim());
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as TinyVmFixture;
}

/** Builds the appliances' large files once (test/bed/appliances/build.sh); returns their folder. */
export async function ensureAppliances(
  tinyVm: TinyVmFixture,
  log: (line: string) => void,
): Promise<string> {
  const root = join(cacheDir(), 'appliances');
  const out = await mustRun('bash', [
    join(here, 'appliances', 'build.sh'),
    dirname(tinyVm.kernel),
    root,
  ]);
  if (out.trim()) log(out.trim());
  return join(root, 'current');
}

/** Installs and checks the system parts; safe to run again. */
export async function prepareSystem(log: (line: string) => void): Promise<StartedDaemon[]> {
  await ensureSystemPackages(log);
  const started = await ensureLibvirtDaemons(log);
  const stale = await removeStale();
  if (stale.length) log(`removed leftovers of earlier runs: ${stale.join(', ')}`);
  return started;
}

export interface RunningTestbed {
  info: TestbedInfo;
  infoFile: string;
  stop(): Promise<string[]>;
}

export async function startTestbed(log: (line: string) => void): Promise<RunningTestbed> {
  const daemons = await prepareSystem(log);
  const prefix = runPrefix();
  const runDir = join(tmpdir(), `${prefix}run`);
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const tinyVm = await ensureTinyVm(log);
  const appliances = await ensureAppliances(tinyVm, log);
  const sshd = await startSshd(join(runDir, 'sshd'), join(tmpdir(), `${prefix}users`));
  log(`sshd on ${sshd.host}:${sshd.port} (host key ${sshd.hostKeyFingerprint})`);
  const downloads = await startDownloadServers(join(runDir, 'nginx'));
  log(`nginx on ${downloads.info.http}, ${downloads.info.https}, ${downloads.info.mtls}`);
  const info: TestbedInfo = {
    prefix,
    runDir,
    imagesDir: IMAGES_DIR,
    sshd,
    tinyVm,
    appliances,
    downloads: downloads.info,
  };
  const infoFile = join(runDir, 'testbed.json');
  writeFileSync(infoFile, JSON.stringify(info, null, 2));
  return {
    info,
    infoFile,
    async stop() {
      stopSshd(sshd.pid);
      await downloads.stop();
      const removed = await removeRun(prefix);
      stopDaemons(daemons);
      return removed;
    },
  };
}
