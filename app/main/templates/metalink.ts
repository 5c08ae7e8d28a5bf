// Metalink documents: Metalink 4 (RFC 5854, `.meta4`) and Metalink 3 (metalinker.org,
// `.metalink`). Every http/https `<url>` is a candidate, best first; `<metaurl>` (torrents) is
// ignored; hashes are kept so the download can be verified.
import { XMLParser } from 'fast-xml-parser';
import {
  CHECKSUM_HEX_LENGTH,
  checksumAlgorithm,
  validateDownloadUrl,
  type Checksum,
} from '../../shared/validation/download-source.js';

export const METALINK4_NS = 'urn:ietf:params:xml:ns:metalink';
export const METALINK3_NS = 'http://www.metalinker.org/';
const CONTENT_TYPES = ['application/metalink4+xml', 'application/metalink+xml'];

export interface MetalinkFile {
  name?: string;
  size?: number;
  /** Candidate URLs, best first. */
  urls: string[];
  /** Every usable hash of the file, strongest first. */
  hashes: Checksum[];
  /** Candidates dropped (not http/https, or refused by URL validation), with why. */
  skipped: string[];
}

/** A metalink by name (`.metalink`, `.meta4`) or by the content type the server announced. */
export function isMetalink(url: string, contentType?: string): boolean {
  const path = url.split(/[?#]/)[0]?.toLowerCase() ?? '';
  if (path.endsWith('.metalink') || path.endsWith('.meta4')) return true;
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type !== undefined && CONTENT_TYPES.includes(type);
}

type Node = Record<string, unknown>;
const list = (v: unknown): Node[] =>
  v === undefined
    ? []
    : (Array.isArray(v) ? (v as unknown[]) : [v]).map((x) =>
        typeof x === 'object' && x ? (x as Node) : { '#text': x },
      );
const str = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '';
const text = (n: Node): string => str(n['#text']);

/** The first `<file>` of a Metalink 4 or 3 document. */
export function parseMetalink(xml: string): MetalinkFile {
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    processEntities: true,
  }).parse(xml) as Node;
  const root = list(doc.metalink)[0];
  if (!root) throw new Error('Not a metalink document (no <metalink> element).');
  const ns = str(root['@xmlns']);
  const v3 = ns === METALINK3_NS || root['@version'] === '3.0';
  if (!v3 && ns !== METALINK4_NS)
    throw new Error(`Unknown metalink namespace ${JSON.stringify(ns)}.`);
  const file = v3 ? list(list(root.files)[0]?.file)[0] : list(root.file)[0];
  if (!file) throw new Error('The metalink lists no <file>.');

  const skipped: string[] = [];
  const ranked: { url: string; rank: number; order: number }[] = [];
  const urlNodes = v3 ? list(list(file.resources)[0]?.url) : list(file.url);
  urlNodes.forEach((node, order) => {
    const url = text(node);
    try {
      validateDownloadUrl(url);
    } catch (err) {
      skipped.push(`${url}: ${(err as Error).message}`);
      return;
    }
    // v4: priority 1 is best, missing is last. v3: preference 0-100, higher is better.
    const rank = v3
      ? -Number(node['@preference'] ?? 0)
      : Number(node['@priority'] ?? Number.POSITIVE_INFINITY);
    ranked.push({ url, rank: Number.isNaN(rank) ? Number.POSITIVE_INFINITY : rank, order });
  });
  ranked.sort((a, b) => a.rank - b.rank || a.order - b.order);

  const hashNodes = v3 ? list(list(file.verification)[0]?.hash) : list(file.hash);
  const hashes: Checksum[] = [];
  for (const node of hashNodes) {
    const algorithm = checksumAlgorithm(str(node['@type']));
    const hex = text(node).toLowerCase();
    if (algorithm && hex.length === CHECKSUM_HEX_LENGTH[algorithm] && /^[0-9a-f]+$/.test(hex)) {
      hashes.push({ algorithm, hex });
    }
  }
  hashes.sort((a, b) => CHECKSUM_HEX_LENGTH[b.algorithm] - CHECKSUM_HEX_LENGTH[a.algorithm]);
  const size = Number(text(list(file.size)[0] ?? {}));
  const name = file['@name'];
  return {
    ...(typeof name === 'string' ? { name } : {}),
    ...(size > 0 ? { size } : {}),
    urls: ranked.map((r) => r.url),
    hashes,
    skipped,
  };
}
