// An appliance's files that come from a URL, fetched by the host itself into its image cache the
// way templates by URL are (host-download.ts: curl on the host, the digest checked there, renamed
// only once it matches, retried), then reused by every later provisioning without fetching
// anything again, not even the checksum file.
import { formatChecksum, type Checksum } from '../../shared/validation/download-source.js';
import { checksumFromList } from '../image-store/image-sources.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import type { TaskContext } from '../tasks/task-runner.js';
import { fetchCommand, headerLines } from '../templates/host-curl.js';
import { downloadOnHosts } from '../templates/host-download.js';
import type { CachedFile } from './appliance-images.js';

/** Distributions' checksum files are a few KiB; anything much larger is not one. */
const CHECKSUM_FILE_MAX_BYTES = 1024 * 1024;

export interface FetchTarget {
  shell: RemoteShell;
  prefix: readonly string[];
  ctx: TaskContext;
  imageCache: string;
  /** ConVirt's trust store on the host, when not the default one. */
  trustDir?: string;
}

/** The checksum of `file`, read by the host from the checksum file its distribution publishes. */
async function checksumFromHost(target: FetchTarget, file: CachedFile): Promise<Checksum> {
  const source = file.url!;
  if (source.checksum) return source.checksum;
  const request = {
    url: source.checksumUrl!,
    ...(target.trustDir ? { trustDir: target.trustDir } : {}),
  };
  target.ctx.log(`Reading the checksum of ${source.fileName} from ${source.checksumUrl}.`);
  const r = await target.shell.exec(fetchCommand(request, CHECKSUM_FILE_MAX_BYTES), {
    stdin: headerLines(),
  });
  if (r.code !== 0)
    throw new Error(
      `The checksum file ${source.checksumUrl} cannot be fetched: ${r.stderr.trim()}`,
    );
  const checksum = checksumFromList(r.stdout, source.fileName);
  if (!checksum)
    throw new Error(`The checksum file ${source.checksumUrl} does not list ${source.fileName}.`);
  return checksum;
}

/**
 * Has the host fetch the `missing` files that come from a URL into its image cache, each
 * verified there; logs the ones reused. `progress` maps a fraction of the bytes to the task's.
 */
export async function fetchToCache(
  target: FetchTarget,
  needed: readonly CachedFile[],
  missing: readonly CachedFile[],
  progress: (fraction: number, text: string) => void,
): Promise<void> {
  const { ctx } = target;
  for (const n of needed)
    if (n.url && !missing.includes(n))
      ctx.log(`Reusing ${n.remote}: ${n.url.url} was fetched and verified before.`);
  const fetches = missing.filter((n) => n.url);
  if (fetches.length === 0) return;
  await target.shell.run([...target.prefix, 'mkdir', '-p', '--', target.imageCache]);
  for (const [index, n] of fetches.entries()) {
    const checksum = await checksumFromHost(target, n);
    ctx.log(`${target.shell.target} fetches ${n.url!.url} (${formatChecksum(checksum)}).`);
    const result = await downloadOnHosts([target.shell], {
      urls: [n.url!.url],
      checksum,
      dest: n.remote,
      prefix: target.prefix,
      ...(target.trustDir ? { trustDir: target.trustDir } : {}),
      log: (line) => ctx.log(line),
      signal: ctx.signal,
      onProgress: (bytes, total) =>
        progress(
          (index + (total ? Math.min(bytes / total, 1) : 0)) / fetches.length,
          `Fetching ${n.url!.fileName}: ${Math.floor(bytes / 1048576)} MiB`,
        ),
    });
    ctx.log(`Fetched and verified ${n.remote} (${result.size} bytes).`);
  }
}
