// Templates kept in the local image store (direct download off): ConVirt itself fetches them
// here, with the same verified download the hosts run, trying each mirror in turn.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Checksum } from '../../shared/validation/download-source.js';
import { proxyEnvironment } from '../config/apply.js';
import { clientTrustDir } from './client-trust-dir.js';
import {
  downloadCommand,
  EXIT_CHECKSUM_MISMATCH,
  headerLines,
  progressBytes,
} from './host-curl.js';
import { runLocally } from './local-process.js';
import type { TemplateFormat, UrlTemplateRecords } from './template-records.js';

/** ConVirt itself fetches into the local image store, with the same verified download. */
export async function downloadToStore(
  local: {
    records: UrlTemplateRecords;
    storeDir: string;
    localTrustDir: string;
    /** convirt.conf's http_proxy: this download's proxy (not the hosts'). */
    httpProxy?: string | null;
  },
  name: string,
  format: TemplateFormat,
  urls: readonly string[],
  checksum: Checksum,
  request: Omit<Parameters<typeof downloadCommand>[0], 'url'>,
  onProgress: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  mkdirSync(local.storeDir, { recursive: true });
  const dest = join(local.storeDir, `${name}.${format}`);
  const trustDir = request.clientCertificate
    ? clientTrustDir(local.records, local.localTrustDir, request.clientCertificate)
    : local.localTrustDir;
  const errors: string[] = [];
  try {
    for (const url of urls) {
      const argv = downloadCommand({ ...request, url, trustDir }, dest, checksum);
      const r = await runLocally(
        argv,
        headerLines(request.headers),
        (line) => {
          const bytes = progressBytes(line);
          if (bytes !== undefined) onProgress(bytes);
        },
        signal,
        proxyEnvironment(local.httpProxy ?? null),
      );
      if (signal?.aborted) throw new Error('Cancelled: nothing was kept in the image store.');
      if (r.code === 0) return dest;
      errors.push(`${url}: ${r.stderr.trim()}`);
      if (r.code === EXIT_CHECKSUM_MISMATCH) break;
    }
  } finally {
    if (trustDir !== local.localTrustDir) rmSync(trustDir, { recursive: true, force: true });
  }
  throw new Error(
    `The download into the image store failed; nothing was kept.\n${errors.join('\n')}`,
  );
}
