// Appliance files that come from a URL (a distribution's cloud image, its kernel): image.conf's
// `kernel_src`, `ramdisk_src` or `<dev>_image_src` as an http(s) URL, verified against
// `<key>_checksum` ({sha256}HEX or {sha512}HEX) or against the distribution's checksum file named
// by `<key>_checksum_url` (SHA256SUMS, SHA512SUMS, Fedora's CHECKSUM, openSUSE's .sha256). Every
// URL and checksum is checked when the store is read, before anything runs on a host.
import { createHash } from 'node:crypto';
import {
  checksumAlgorithm,
  CHECKSUM_HEX_LENGTH,
  formatChecksum,
  parseChecksum,
  validateDownloadUrl,
  type Checksum,
} from '../../shared/validation/download-source.js';
import { confList, type ConfValues } from './conf-file.js';

/** Algorithms an appliance's checksum may use: the ones distributions publish. */
const APPLIANCE_ALGORITHMS = ['sha256', 'sha512'] as const;

export interface UrlSource {
  /** The image.conf key (`vda_image_src`). */
  key: string;
  url: string;
  /** Pinned in image.conf, or found in the checksum file at provisioning time. */
  checksum?: Checksum;
  checksumUrl?: string;
  /** The file name the checksum file lists: the URL's last path segment. */
  fileName: string;
}

/**
 * A mirror of a download site: URLs starting with `from` are fetched from `to` instead (an
 * air-gapped site's copy of cloud.debian.org, or a test bed's).
 */
export interface UrlMirror {
  from: string;
  to: string;
}

/** image_store.conf's `mirrors`: comma-separated `FROM TO` pairs of http(s) URL prefixes. */
export function parseMirrors(conf: ConfValues, where: string): UrlMirror[] {
  return confList(conf.get('mirrors')).map((entry) => {
    const [from = '', to = '', ...rest] = entry.split(/\s+/);
    if (!to || rest.length)
      throw new Error(`${where}: mirrors: expected FROM-URL TO-URL, not ${JSON.stringify(entry)}`);
    try {
      return { from: validateDownloadUrl(from), to: validateDownloadUrl(to) };
    } catch (err) {
      throw new Error(`${where}: mirrors: ${(err as Error).message}`, { cause: err });
    }
  });
}

export function isUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}

function mirrored(url: string, mirrors: readonly UrlMirror[]): string {
  const mirror = mirrors.find((m) => url.startsWith(m.from));
  return mirror ? mirror.to + url.slice(mirror.from.length) : url;
}

/** `key`'s URL source as image.conf describes it; throws saying what is wrong. */
export function urlSource(
  conf: ConfValues,
  key: string,
  where: string,
  mirrors: readonly UrlMirror[] = [],
): UrlSource {
  const fail = (why: string) => new Error(`${where}: ${why}`);
  const url = conf.get(key)!;
  const checked = (k: string, value: string) => {
    try {
      return validateDownloadUrl(mirrored(value, mirrors));
    } catch (err) {
      throw fail(`${k}: ${(err as Error).message}`);
    }
  };
  const source: UrlSource = {
    key,
    url: checked(key, url),
    fileName: decodeURIComponent(new URL(url).pathname.split('/').pop() ?? ''),
  };
  if (!source.fileName) throw fail(`${key}: the URL names no file`);
  const pinned = conf.get(`${key}_checksum`);
  const list = conf.get(`${key}_checksum_url`);
  if (pinned && list) throw fail(`give ${key}_checksum or ${key}_checksum_url, not both`);
  if (pinned) {
    let checksum: Checksum;
    try {
      checksum = parseChecksum(pinned);
    } catch (err) {
      throw fail(`${key}_checksum: ${(err as Error).message}`);
    }
    if (!(APPLIANCE_ALGORITHMS as readonly string[]).includes(checksum.algorithm))
      throw fail(`${key}_checksum: use {sha256}HEX or {sha512}HEX, not ${checksum.algorithm}`);
    source.checksum = checksum;
  } else if (list) source.checksumUrl = checked(`${key}_checksum_url`, list);
  else
    throw fail(`${key} is a URL: ${key}_checksum or ${key}_checksum_url must say how to verify it`);
  return source;
}

/**
 * Where the file goes in the host's image cache: named by its URL and how it is verified, so a
 * second provisioning from the same source finds it without fetching anything, not even the
 * checksum file. The file is renamed there only once verified.
 */
export function cacheName(source: UrlSource): string {
  const how = source.checksum ? formatChecksum(source.checksum) : source.checksumUrl!;
  const id = createHash('sha256').update(`${source.url}\n${how}`).digest('hex').slice(0, 32);
  return `url-${id}-${source.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/**
 * The checksum of `fileName` in a checksum file: GNU coreutils lines (`HEX  NAME`, `HEX *NAME`,
 * Debian's SHA512SUMS, Ubuntu's SHA256SUMS, openSUSE's .sha256) or BSD-style lines
 * (`SHA256 (NAME) = HEX`, Fedora's CHECKSUM). A clearsigned file is read the same way (its
 * signature lines match neither form). The algorithm comes from the line, else from the digest's
 * length (64 hex: SHA-256, 128: SHA-512).
 */
export function checksumFromList(text: string, fileName: string): Checksum | undefined {
  const found = checksumLines(text);
  // A file of one image's own (openSUSE's NAME.sha256) may name the build the URL redirects to.
  const match =
    found.find((c) => c.name === fileName) ?? (found.length === 1 ? found[0] : undefined);
  return match && { algorithm: match.algorithm, hex: match.hex };
}

function checksumLines(text: string): Array<Checksum & { name: string }> {
  const found: Array<Checksum & { name: string }> = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const bsd = /^([A-Za-z0-9-]+) \((.+)\) = ([0-9A-Fa-f]+)$/.exec(line);
    if (bsd) {
      const algorithm = checksumAlgorithm(bsd[1]!);
      if (algorithm && CHECKSUM_HEX_LENGTH[algorithm] === bsd[3]!.length)
        found.push({ algorithm, hex: bsd[3]!.toLowerCase(), name: bsd[2]! });
      continue;
    }
    const gnu = /^([0-9A-Fa-f]+) [ *]?(.+)$/.exec(line);
    const algorithm = APPLIANCE_ALGORITHMS.find((a) => CHECKSUM_HEX_LENGTH[a] === gnu?.[1]!.length);
    if (gnu && algorithm)
      found.push({ algorithm, hex: gnu[1]!.toLowerCase(), name: gnu[2]!.replace(/^\.\//, '') });
  }
  return found;
}
