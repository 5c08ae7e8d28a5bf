// An appliance's files on the host (kernel, ramdisk, disk images and archives): each is cached
// there under its sha256, so a later provisioning reuses it; only the missing ones are copied.
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { validateHostPath } from '../../shared/validation/names.js';
import type { Appliance } from '../image-store/image-store.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import type { TaskContext } from '../tasks/task-runner.js';
import type { ChecksumCache } from './checksums.js';
import { uploadFile } from './file-upload.js';

const MiB = 1024 * 1024;

/** A local file the VM needs on the host, and where it is cached there. */
export interface CachedFile {
  local: string;
  sha256: string;
  size: number;
  remote: string;
}

/** The appliance's files, each with its place in the host's image cache. */
export async function applianceFiles(
  appliance: Appliance,
  checksums: ChecksumCache,
  imageCache: string,
): Promise<CachedFile[]> {
  const locals = [
    appliance.kernel,
    appliance.ramdisk,
    ...appliance.disks.map((d) => (d.source.kind === 'empty' ? null : d.source.file)),
  ];
  const needed: CachedFile[] = [];
  for (const local of locals) {
    if (!local || needed.some((n) => n.local === local)) continue;
    const sha256 = await checksums.sha256(local);
    const safe = basename(local).replace(/[^A-Za-z0-9._-]/g, '_');
    needed.push({
      local,
      sha256,
      size: statSync(local).size,
      remote: validateHostPath(`${imageCache}/${sha256}-${safe}`),
    });
  }
  return needed;
}

/** Copies the `missing` files into the image cache (resuming partial copies); logs the reused. */
export async function copyToCache(
  target: { shell: RemoteShell; prefix: readonly string[]; ctx: TaskContext; imageCache: string },
  needed: readonly CachedFile[],
  missing: readonly CachedFile[],
): Promise<void> {
  const { shell, prefix, ctx } = target;
  for (const n of needed)
    if (!missing.includes(n)) ctx.log(`Reusing ${n.remote} (same sha256 as ${n.local}).`);
  if (missing.length) await shell.run([...prefix, 'mkdir', '-p', '--', target.imageCache]);
  const total = missing.reduce((s, n) => s + n.size, 0) || 1;
  let done = 0;
  for (const n of missing) {
    ctx.log(`Copying ${n.local} (${Math.ceil(n.size / MiB)} MiB) to ${n.remote}.`);
    const r = await uploadFile(shell, n.local, n.remote, {
      size: n.size,
      sha256: n.sha256,
      prefix,
      signal: ctx.signal,
      onProgress: (sent) =>
        ctx.progress(0.05 + (0.6 * (done + sent)) / total, `Copying ${basename(n.local)}`),
    });
    if (r.resumedFrom) ctx.log(`Resumed ${n.remote} from byte ${r.resumedFrom}.`);
    done += n.size;
  }
}
