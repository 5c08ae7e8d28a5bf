// An appliance's files on the host (kernel, ramdisk, disk images and archives): each is cached
// there under its sha256, so a later provisioning reuses it; only the missing ones are copied.
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { validateHostPath } from '../../shared/validation/names.js';
import { cacheName, isUrl, type UrlSource } from '../image-store/image-sources.js';
import type { Appliance } from '../image-store/image-store.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import type { TaskContext } from '../tasks/task-runner.js';
import type { ChecksumCache } from './checksums.js';
import { uploadFile } from './file-upload.js';

const MiB = 1024 * 1024;

/** A file the VM needs on the host, and where it is cached there. */
export interface CachedFile {
  /** The file as the appliance names it: a local path, or the URL of `url`. */
  local: string;
  /** Of a local file; a fetched file is verified against `url`'s checksum instead. */
  sha256: string;
  /** Of a local file; a fetched file's size is known once fetched. */
  size: number;
  remote: string;
  /** Set for a file the host fetches from a URL. */
  url?: UrlSource;
}

/** A file not in the host's cache yet (`existing`: sizes of the cached files the host has). */
export function notCached(file: CachedFile, existing: ReadonlyMap<string, number>): boolean {
  // A fetched file is renamed into the cache only once verified: being there is enough.
  return file.url ? !existing.has(file.remote) : existing.get(file.remote) !== file.size;
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
    const url = isUrl(local) ? appliance.urls.find((u) => u.url === local) : undefined;
    if (url) {
      const remote = validateHostPath(`${imageCache}/${cacheName(url)}`);
      needed.push({ local, sha256: '', size: 0, remote, url });
      continue;
    }
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
  const copies = missing.filter((n) => !n.url);
  for (const n of needed)
    if (!n.url && !copies.includes(n)) ctx.log(`Reusing ${n.remote} (same sha256 as ${n.local}).`);
  if (copies.length) await shell.run([...prefix, 'mkdir', '-p', '--', target.imageCache]);
  const total = copies.reduce((s, n) => s + n.size, 0) || 1;
  let done = 0;
  for (const n of copies) {
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
