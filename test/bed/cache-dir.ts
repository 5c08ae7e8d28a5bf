/**
 * The folder where the test bed keeps what it builds once (tiny VM, Xen host, appliances).
 * CONVIRT_TESTBED_CACHE overrides it; the developers' guide suggests `$(mktemp -d)` for a run
 * from empty, and mktemp makes its folder 0700.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';

const DEFAULT_CACHE = '/var/cache/convirt-testbed';

let prepared: string | undefined;

/**
 * The cache folder, created if missing. libvirt runs QEMU as libvirt-qemu, which must pass
 * through this folder to reach the disks and kernels inside: a folder of ours that others cannot
 * enter (mktemp's 0700) gets search permission only (o+x, no listing), never more.
 */
export function cacheDir(): string {
  const dir = process.env.CONVIRT_TESTBED_CACHE ?? DEFAULT_CACHE;
  if (prepared === dir) return dir;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const stat = statSync(dir);
  const ours = typeof process.getuid === 'function' && stat.uid === process.getuid();
  if (ours && (stat.mode & 0o011) !== 0o011) chmodSync(dir, (stat.mode & 0o7777) | 0o011);
  prepared = dir;
  return dir;
}
