// Checking a download URL from a host: HEAD (GET of one byte when HEAD is refused), 200 required,
// size from Content-Length. A metalink is fetched and each of its URLs checked, best first.
import { validateDownloadUrl, type Checksum } from '../../shared/validation/download-source.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import {
  fetchCommand,
  headerLines,
  leadingBytesCommand,
  probeCommand,
  type CurlRequest,
} from './host-curl.js';
import { isMetalink, parseMetalink } from './metalink.js';

export interface UrlCheck {
  url: string;
  ok: boolean;
  /** HTTP status of the final response; 0 when no answer came. */
  status: number;
  size?: number;
  contentType?: string;
  error?: string;
}

export interface SourceCheck {
  /** The URL registered (a metalink's own URL for a metalink). */
  url: string;
  /** Every candidate checked, in the order tried. */
  candidates: UrlCheck[];
  /** The first reachable candidate, if any. */
  reachable?: UrlCheck;
  metalink?: { hashes: Checksum[]; size?: number; skipped: string[] };
}

const METALINK_MAX_BYTES = 1 << 20;
/** HEAD answers that mean "this server does not do HEAD", not "no such file". */
const HEAD_REFUSED = new Set([400, 403, 405, 501]);

export async function checkUrl(shell: RemoteShell, request: CurlRequest): Promise<UrlCheck> {
  validateDownloadUrl(request.url);
  const probe = async (method: 'HEAD' | 'GET') => {
    const r = await shell.exec(probeCommand(request, method), {
      stdin: headerLines(request.headers),
    });
    const [status = '0', length = '', type = '', range = ''] = r.stdout.trim().split('\t');
    return { code: r.code, status: Number(status) || 0, length, type, range, stderr: r.stderr };
  };
  let p = await probe('HEAD');
  if (HEAD_REFUSED.has(p.status)) p = await probe('GET');
  // A one-byte GET answered 206 proves the file is there; its total comes from Content-Range.
  const status = p.status === 206 ? 200 : p.status;
  const total = p.status === 206 ? /\/(\d+)\s*$/.exec(p.range)?.[1] : p.length;
  const size = total && /^\d+$/.test(total.trim()) ? Number(total) : undefined;
  const base = {
    url: request.url,
    status,
    ...(size !== undefined ? { size } : {}),
    ...(p.type ? { contentType: p.type } : {}),
  };
  if (p.code === 0 && status === 200) return { ...base, ok: true };
  const error =
    p.code !== 0
      ? p.stderr.trim().replace(/^curl: /, '') || `curl exited ${p.code}`
      : `HTTP ${status}`;
  return { ...base, ok: false, error };
}

/** Checks a URL, or every URL of the metalink it points to, in priority order. */
export async function checkSource(shell: RemoteShell, request: CurlRequest): Promise<SourceCheck> {
  const first = await checkUrl(shell, request);
  if (!isMetalink(request.url, first.contentType)) {
    return { url: request.url, candidates: [first], ...(first.ok ? { reachable: first } : {}) };
  }
  if (!first.ok) {
    throw new Error(
      `The metalink ${request.url} cannot be fetched: ${first.error ?? 'no answer'}.`,
    );
  }
  const r = await shell.exec(fetchCommand(request, METALINK_MAX_BYTES), {
    stdin: headerLines(request.headers),
  });
  if (r.code !== 0)
    throw new Error(`The metalink ${request.url} cannot be fetched: ${r.stderr.trim()}`);
  const file = parseMetalink(r.stdout);
  const candidates: UrlCheck[] = [];
  let reachable: UrlCheck | undefined;
  for (const url of file.urls) {
    const check = await checkUrl(shell, { ...request, url });
    candidates.push(check);
    if (check.ok && !reachable) reachable = check;
  }
  return {
    url: request.url,
    candidates,
    ...(reachable ? { reachable } : {}),
    metalink: {
      hashes: file.hashes,
      ...(file.size ? { size: file.size } : {}),
      skipped: file.skipped,
    },
  };
}

/** A qcow2 image starts with QFI\xfb; its virtual size is the big-endian 64-bit number at 24. */
const QCOW2_MAGIC = [0x51, 0x46, 0x49, 0xfb];
const QCOW2_HEADER_BYTES = 32;

/** The virtual size in a qcow2 header, or undefined when `bytes` is not one. */
export function qcow2VirtualSize(bytes: Uint8Array): number | undefined {
  if (bytes.length < QCOW2_HEADER_BYTES || QCOW2_MAGIC.some((b, i) => bytes[i] !== b)) return;
  const size = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(24);
  return size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(size) : undefined;
}

/**
 * Reads the image's first bytes with a ranged request from the host: the qcow2 virtual size, or
 * undefined for anything that is not a qcow2 image (or cannot be read).
 */
export async function readQcow2VirtualSize(
  shell: RemoteShell,
  request: CurlRequest,
): Promise<number | undefined> {
  validateDownloadUrl(request.url);
  const r = await shell.exec(leadingBytesCommand(request, QCOW2_HEADER_BYTES), {
    stdin: headerLines(request.headers),
  });
  const hex = r.stdout.replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/.test(hex)) return undefined;
  return qcow2VirtualSize(Buffer.from(hex, 'hex'));
}
