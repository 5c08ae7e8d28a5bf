// The HEPiX image list (formats doc, section 5): JSON under `hv:imagelist`, the format vmcatcher,
// cloudkeeper and atrope read. A list missing a required field is refused as a whole; an image
// missing one is dropped with the reason, so one bad entry does not hide the others.

/** `%Y-%m-%dT%H:%M:%SZ`, the only date form the format has. */
const HEPIX_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
const SHA512_HEX = /^[0-9a-fA-F]{128}$/;

export interface ImageListEndorser {
  /** The signer's subject, OpenSSL one-line form (`/DC=.../CN=...`). */
  dn: string;
  /** The signer's issuer, same form. */
  ca: string;
  email?: string;
  creator?: string;
}

export interface ImageListImage {
  identifier: string;
  title?: string;
  description?: string;
  uri: string;
  size: number;
  sha512: string;
  version: string;
  hypervisor?: string;
  format?: string;
  arch?: string;
  os?: string;
  osVersion?: string;
  comments?: string;
}

export interface DroppedImage {
  /** Its position in `hv:images`, from 0. */
  index: number;
  identifier?: string;
  reason: string;
}

export interface ImageList {
  identifier: string;
  title?: string;
  description?: string;
  created: Date;
  expires: Date;
  source?: string;
  version: string;
  uri?: string;
  endorser: ImageListEndorser;
  images: ImageListImage[];
  dropped: DroppedImage[];
}

/** A list that cannot be used at all; `reason` tells refusals apart (tests, the audit trail). */
export class ImageListRefusedError extends Error {
  constructor(
    readonly reason: ImageListRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'ImageListRefusedError';
  }
}

export type ImageListRefusal =
  | 'malformed'
  | 'unsigned'
  | 'bad-signature'
  | 'wrong-signer'
  | 'identifier-mismatch'
  | 'created-in-future'
  | 'expired'
  | 'older-version';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function text(o: Json, key: string): string | undefined {
  const v = o[key];
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** A HEPiX date, or undefined when it is not one. */
export function parseHepixDate(value: string): Date | undefined {
  const m = HEPIX_DATE.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // 2024-02-30 would roll over to March: refused rather than silently moved.
  return date.getUTCDate() === d && date.getUTCMonth() === mo - 1 ? date : undefined;
}

function malformed(message: string): ImageListRefusedError {
  return new ImageListRefusedError('malformed', `The image list is refused: ${message}`);
}

function requiredText(o: Json, key: string, where: string): string {
  const v = text(o, key);
  if (v === undefined) throw malformed(`${where} has no ${key}.`);
  return v;
}

function requiredDate(o: Json, key: string): Date {
  const v = requiredText(o, key, 'it');
  const date = parseHepixDate(v);
  if (!date) throw malformed(`its ${key} ${JSON.stringify(v)} is not a %Y-%m-%dT%H:%M:%SZ date.`);
  return date;
}

const optional = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;

/** One `hv:image`, or the reason it is dropped. */
function parseImage(entry: unknown): ImageListImage | { reason: string; identifier?: string } {
  const image = isObject(entry) ? entry['hv:image'] : undefined;
  if (!isObject(image)) return { reason: 'it is not an {"hv:image": {...}} object' };
  const identifier = text(image, 'dc:identifier');
  const missing = ['dc:identifier', 'hv:uri', 'hv:size', 'sl:checksum:sha512', 'hv:version'].filter(
    (key) => text(image, key) === undefined,
  );
  const id = identifier === undefined ? {} : { identifier };
  if (missing.length) return { ...id, reason: `it has no ${missing.join(', ')}` };
  const size = Number(text(image, 'hv:size'));
  if (!Number.isSafeInteger(size) || size < 0) {
    return { ...id, reason: `its hv:size ${JSON.stringify(image['hv:size'])} is not a byte count` };
  }
  const sha512 = text(image, 'sl:checksum:sha512')!;
  if (!SHA512_HEX.test(sha512))
    return { ...id, reason: 'its sl:checksum:sha512 is not 128 hex digits' };
  const uri = text(image, 'hv:uri')!;
  if (!/^https?:\/\//i.test(uri))
    return { ...id, reason: `its hv:uri ${uri} is not an http(s) URL` };
  return {
    identifier: identifier!,
    uri,
    size,
    sha512: sha512.toLowerCase(),
    version: text(image, 'hv:version')!,
    ...optional('title', text(image, 'dc:title')),
    ...optional('description', text(image, 'dc:description')),
    ...optional('hypervisor', text(image, 'hv:hypervisor')),
    ...optional('format', text(image, 'hv:format')),
    ...optional('arch', text(image, 'sl:arch')),
    ...optional('os', text(image, 'sl:os')),
    ...optional('osVersion', text(image, 'sl:osversion')),
    ...optional('comments', text(image, 'sl:comments')),
  };
}

/** Parses a list's JSON text; throws ImageListRefusedError('malformed') for an unusable list. */
export function parseImageList(json: string): ImageList {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw malformed(`it is not JSON (${(err as Error).message}).`);
  }
  const list = isObject(doc) ? doc['hv:imagelist'] : undefined;
  if (!isObject(list)) throw malformed('it has no hv:imagelist object.');
  const x509 = isObject(list['hv:endorser']) ? list['hv:endorser']['hv:x509'] : undefined;
  if (!isObject(x509)) throw malformed('it has no hv:endorser with an hv:x509 object.');
  const entries = list['hv:images'];
  if (!Array.isArray(entries)) throw malformed('it has no hv:images array.');
  const images: ImageListImage[] = [];
  const dropped: DroppedImage[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const parsed = parseImage(entry);
    if ('reason' in parsed) dropped.push({ index, ...parsed });
    else if (seen.has(parsed.identifier)) {
      dropped.push({
        index,
        identifier: parsed.identifier,
        reason: 'its dc:identifier is listed twice',
      });
    } else {
      seen.add(parsed.identifier);
      images.push(parsed);
    }
  });
  return {
    identifier: requiredText(list, 'dc:identifier', 'it'),
    created: requiredDate(list, 'dc:date:created'),
    expires: requiredDate(list, 'dc:date:expires'),
    version: requiredText(list, 'hv:version', 'it'),
    endorser: {
      dn: requiredText(x509, 'hv:dn', 'its hv:x509'),
      ca: requiredText(x509, 'hv:ca', 'its hv:x509'),
      ...optional('email', text(x509, 'hv:email')),
      ...optional('creator', text(x509, 'dc:creator')),
    },
    ...optional('title', text(list, 'dc:title')),
    ...optional('description', text(list, 'dc:description')),
    ...optional('source', text(list, 'dc:source')),
    ...optional('uri', text(list, 'hv:uri')),
    images,
    dropped,
  };
}

/**
 * Compares versions numerically part by part (`3.3.0` < `3.10.0`, `10` > `9`); a part that is
 * not a number compares as text, and a missing part counts as less (`1.0` < `1.0.1`).
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.\-_]/);
  const pb = b.split(/[.\-_]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    const c = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny;
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}
