// Brings the whole test bed up for one test run and down again.
import { cacheDir } from './cache-dir.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLibvirtDaemons, stopDaemons, type StartedDaemon } from './daemons.js';
import { startDownloadServers, type DownloadServersInfo } from './nginx.js';
import { mustRun } from './process.js';
import { IMAGES_DIR, removeRun, removeStale, runPrefix } from './resources.js';
import { startSshd, stopSshd, type TestSshdInfo } from './sshd.js';
import {
  startSecondKvmHostOrReason,
  stopSecondKvmHost,
  type SecondKvmHostInfo,
  type SecondKvmHostUnavailable,
} from './second-kvm-host.js';
import { ensureSystemPackages } from './system-packages.js';
import {
  SECOND_XEN_HOST,
  startXenHostOrReason,
  stopXenHost,
  type XenHostInfo,
  type XenHostUnavailable,
} from './xen-host/xen-host.js';

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
  /** The emulated Xen host, or why there is none (the Xen tests fail with that reason). */
  xenHost: XenHostInfo | XenHostUnavailable;
  /** A second emulated Xen host, the target of Xen migration tests (started for them only). */
  secondXenHost: XenHostInfo | XenHostUnavailable;
  /** The second KVM host for migration, or why there is none (started for migration tests). */
  secondKvmHost: SecondKvmHostInfo | SecondKvmHostUnavailable;
  /** Built files of image_store/'s appliances, as `<dir>/<appliance>/<file>`. */
  appliances: string;
  /** nginx and friends on loopback, for templates and ISOs downloaded by URL (nginx.ts). */
  downloads: DownloadServersInfo;
  /** The Debian cloud image built from packages (cloud-image/build.sh), when a test needs it. */
  cloudImage?: CloudImageFixture;
}

export interface CloudImageFixture {
  image: string;
  sums: string;
  sha512: string;
  size: number;
}

/** Builds the Debian cloud image once (minutes); later calls return the cached one. */
export async function ensureCloudImage(log: (line: string) => void): Promise<CloudImageFixture> {
  const dir = join(cacheDir(), 'cloud-image');
  const out = await mustRun('bash', [join(here, 'cloud-image', 'build.sh'), dir]);
  if (out.trim()) log(out.trim());
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as CloudImageFixture;
}

export const TESTBED_ENV = 'CONVIRT_TESTBED';

export { cacheDir };

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
    join(cacheDir(), 'xen-host'),
  ]);
  if (out.trim()) log(out.trim());
  // This build's own folder, not `current`: a concurrent run of another checkout may repoint it.
  return /^appliances: \w+ \((.+)\)$/m.exec(out)?.[1] ?? join(root, 'current');
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

export interface TestbedOptions {
  /** Boot the emulated Xen host (default true); when false, Xen tests fail saying so. */
  xenHost?: boolean;
  /** Boot a second emulated Xen host beside the first (default false), for Xen migration. */
  secondXenHost?: boolean;
  /** Start the second KVM host (default false); when false, migration tests fail saying so. */
  secondKvmHost?: boolean;
  /** Build (or take from the cache) the Debian cloud image (default false). */
  cloudImage?: boolean;
  /** Let sshd's sessions read the login user's ~/.bashrc (sshd.ts; default: masked). */
  machineBashrc?: boolean;
}

export async function startTestbed(
  log: (line: string) => void,
  options: TestbedOptions = {},
): Promise<RunningTestbed> {
  const prefix = runPrefix();
  const runDir = join(tmpdir(), `${prefix}run`);
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  // The Xen host boots in the background, meanwhile the rest is set up.
  const xenPending: Promise<XenHostInfo | XenHostUnavailable> =
    options.xenHost === false
      ? Promise.resolve({ unavailable: 'the Xen host was not started for this run (--file)' })
      : startXenHostOrReason(join(runDir, 'xen-host'), log);
  // Both boot at once: the second is measured to fit beside the first (docs/testing.md).
  const secondXenPending: Promise<XenHostInfo | XenHostUnavailable> =
    options.xenHost !== false && options.secondXenHost
      ? startXenHostOrReason(join(runDir, 'xen-host-2'), log, SECOND_XEN_HOST)
      : Promise.resolve({
          unavailable: 'the second Xen host was not started for this run (--file)',
        });
  const stopXen = async () => {
    for (const xen of await Promise.all([xenPending, secondXenPending])) {
      if ('pid' in xen) stopXenHost(xen.pid);
    }
  };
  let daemons: StartedDaemon[];
  let tinyVm: TinyVmFixture;
  let appliances: string;
  let sshd: TestSshdInfo;
  let cloudImage: CloudImageFixture | undefined;
  try {
    daemons = await prepareSystem(log);
    tinyVm = await ensureTinyVm(log);
    appliances = await ensureAppliances(tinyVm, log);
    sshd = await startSshd(join(runDir, 'sshd'), join(tmpdir(), `${prefix}users`), {
      machineBashrc: options.machineBashrc,
    });
    if (options.cloudImage) cloudImage = await ensureCloudImage(log);
  } catch (err) {
    await stopXen();
    throw err;
  }
  log(`sshd on ${sshd.host}:${sshd.port} (host key ${sshd.hostKeyFingerprint})`);
  let downloads: Awaited<ReturnType<typeof startDownloadServers>>;
  try {
    downloads = await startDownloadServers(join(runDir, 'nginx'));
  } catch (err) {
    stopSshd(sshd.pid);
    await stopXen();
    throw err;
  }
  log(`nginx on ${downloads.info.http}, ${downloads.info.https}, ${downloads.info.mtls}`);
  const secondKvmHost: SecondKvmHostInfo | SecondKvmHostUnavailable = options.secondKvmHost
    ? await startSecondKvmHostOrReason(join(runDir, 'second-kvm-host'), prefix, sshd, log)
    : { unavailable: 'the second KVM host was not started for this run (--file)' };
  const [xenHost, secondXenHost] = await Promise.all([xenPending, secondXenPending]);
  // tiny-linux-xen's files come from the Xen host's build, which may have finished only now.
  if ('pid' in xenHost) appliances = await ensureAppliances(tinyVm, log);
  const info: TestbedInfo = {
    prefix,
    runDir,
    imagesDir: IMAGES_DIR,
    sshd,
    tinyVm,
    appliances,
    xenHost,
    secondXenHost,
    secondKvmHost,
    downloads: downloads.info,
    ...(cloudImage ? { cloudImage } : {}),
  };
  const infoFile = join(runDir, 'testbed.json');
  writeFileSync(infoFile, JSON.stringify(info, null, 2));
  return {
    info,
    infoFile,
    async stop() {
      stopSshd(sshd.pid);
      if ('pid' in secondKvmHost) stopSecondKvmHost(secondKvmHost.pid, secondKvmHost.hostInterface);
      await stopXen();
      await downloads.stop();
      const removed = await removeRun(prefix);
      stopDaemons(daemons);
      return removed;
    },
  };
}
