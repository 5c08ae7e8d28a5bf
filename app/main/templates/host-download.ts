// The host downloads the image itself, straight into its storage pool: DEST.part-HOST-PID, checksum
// verified on the host, renamed. A failed or mismatching download is tried again, up to 3
// attempts per host, then the next host that reaches the same pool. The image bytes never pass
// through ConVirt: only progress lines do.
import { validateHostPath, InvalidInputError } from '../../shared/validation/names.js';
import { validateDownloadUrl, type Checksum } from '../../shared/validation/download-source.js';
import { MAKING_ON_HOST, REMOVED_FROM_HOST } from '../inventory/index.js';
import { channelExit, terminateChannel, type RemoteShell } from '../ssh/ssh-connection.js';
import {
  announcedPart,
  downloadCommand,
  EXIT_CHECKSUM_MISMATCH,
  headerLines,
  progressBytes,
  type CurlRequest,
} from './host-curl.js';

export const ATTEMPTS_PER_HOST = 3;

export interface HostDownloadRequest extends Omit<CurlRequest, 'url'> {
  /** Candidate URLs, best first (one URL, or a metalink's). Each attempt takes the next one. */
  urls: readonly string[];
  checksum: Checksum;
  /** Absolute path of the finished file on the host. */
  dest: string;
  /** Bytes on the host so far, and the total when known. */
  onProgress?: (bytes: number, total?: number) => void;
  /**
   * The task log: a line per attempt, and the .part each attempt makes on the host (MAKING_ON_HOST)
   * until it is gone, so a task ConVirt stopped in the middle names it (tasks.markInterrupted).
   */
  log?: (line: string) => void;
  /** The transfer of an attempt is over; verifying on the host comes next. */
  onDownloaded?: () => void;
  total?: number;
  signal?: AbortSignal;
  /** Runs the download through this (`sudo -n`), for a destination only root may write. */
  prefix?: readonly string[];
}

export interface HostDownloadResult {
  /** The host's target (a LazyHost's name), and its index in the hosts given. */
  host: string;
  hostIndex: number;
  url: string;
  size: number;
  attempts: number;
}

/** A host connected only when its turn comes (a fallback host may never be needed). */
export interface LazyHost {
  target: string;
  open(): Promise<RemoteShell>;
}

export class DownloadFailedError extends Error {
  constructor(
    message: string,
    readonly attempts: readonly string[],
  ) {
    super(message);
    this.name = 'DownloadFailedError';
  }
}

interface AttemptOutcome {
  ok: boolean;
  size: number;
  mismatch: boolean;
  error: string;
}

function attempt(
  shell: RemoteShell,
  request: CurlRequest,
  r: HostDownloadRequest,
): Promise<AttemptOutcome> {
  return shell
    .openChannel([...(r.prefix ?? []), ...downloadCommand(request, r.dest, r.checksum)])
    .then(
      (channel) =>
        new Promise<AttemptOutcome>((resolve, reject) => {
          let pending = '';
          let stderr = '';
          let size = 0;
          let part: string | undefined;
          const onAbort = () => terminateChannel(channel);
          r.signal?.addEventListener('abort', onAbort, { once: true });
          channel.on('data', (d: Buffer) => {
            pending += d.toString('utf8');
            const lines = pending.split('\n');
            pending = lines.pop() ?? '';
            for (const line of lines) {
              const announced = part === undefined ? announcedPart(line) : undefined;
              if (announced !== undefined) {
                part = announced;
                r.log?.(`${MAKING_ON_HOST}file ${part}`);
              }
              const bytes = progressBytes(line);
              if (bytes !== undefined) r.onProgress?.(bytes, r.total);
              if (line.startsWith('done ')) size = Number(line.slice('done '.length));
              if (line === 'downloaded') r.onDownloaded?.();
            }
          });
          channel.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
          void channelExit(channel).then(({ code }) => {
            r.signal?.removeEventListener('abort', onAbort);
            // Exited by itself (its own cleanup ran, even when cancelled): the .part is renamed or
            // removed. Without a status (connection lost, killed outright) it may still be there.
            if (part !== undefined && code !== null)
              r.log?.(`${REMOVED_FROM_HOST}\n  file ${part}`);
            if (r.signal?.aborted) return reject(new Error('Cancelled.'));
            resolve({
              ok: code === 0,
              size,
              mismatch: code === EXIT_CHECKSUM_MISMATCH,
              error: stderr.trim() || `exit ${code ?? 'unknown'}`,
            });
          });
          channel.end(headerLines(request.headers));
        }),
    );
}

function curlOptions(r: HostDownloadRequest): Omit<CurlRequest, 'url'> {
  return {
    ...(r.headers ? { headers: r.headers } : {}),
    ...(r.clientCertificate ? { clientCertificate: r.clientCertificate } : {}),
    ...(r.trustDir ? { trustDir: r.trustDir } : {}),
  };
}

/**
 * Downloads on the first host that succeeds; each host gets up to ATTEMPTS_PER_HOST tries. A
 * host that cannot be connected to counts as failed and the next one is tried.
 */
export async function downloadOnHosts(
  hosts: readonly (RemoteShell | LazyHost)[],
  r: HostDownloadRequest,
): Promise<HostDownloadResult> {
  validateHostPath(r.dest);
  if (r.urls.length === 0) throw new InvalidInputError('url', 'No URL to download from.');
  r.urls.forEach(validateDownloadUrl);
  if (hosts.length === 0) throw new Error('No connected host can reach this storage pool.');
  const failures: string[] = [];
  for (const [hostIndex, host] of hosts.entries()) {
    const shell = 'open' in host ? await openOrLog(host, failures, r.log) : host;
    if (!shell) continue;
    for (let n = 0; n < ATTEMPTS_PER_HOST; n++) {
      const url = r.urls[n % r.urls.length]!;
      r.log?.(`${host.target}: attempt ${n + 1} of ${ATTEMPTS_PER_HOST}, ${url}`);
      const outcome = await attempt(shell, { ...curlOptions(r), url }, r);
      if (outcome.ok)
        return {
          host: host.target,
          hostIndex,
          url,
          size: outcome.size,
          attempts: failures.length + 1,
        };
      const why = `${host.target} attempt ${n + 1}: ${outcome.error}`;
      failures.push(why);
      r.log?.(why);
    }
  }
  throw new DownloadFailedError(
    `The download failed after ${failures.length} attempts on ${hosts.length} host(s); nothing was kept.\n${failures.join('\n')}`,
    failures,
  );
}

async function openOrLog(
  host: LazyHost,
  failures: string[],
  log?: (line: string) => void,
): Promise<RemoteShell | null> {
  try {
    return await host.open();
  } catch (err) {
    const why = `${host.target}: cannot connect: ${(err as Error).message}`;
    failures.push(why);
    log?.(why);
    return null;
  }
}
