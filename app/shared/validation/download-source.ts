// What a template or ISO registered by URL may carry: its checksum, its URL and its HTTP headers.
// The same rules for the register dialog, convirtctl and main; all of it is checked before any
// command runs on a host (formats doc, section 3).
import { InvalidInputError } from './names.js';

export type ChecksumAlgorithm = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

export interface Checksum {
  algorithm: ChecksumAlgorithm;
  /** Lower-case hex. */
  hex: string;
}

/** Hex length of each algorithm's digest. */
export const CHECKSUM_HEX_LENGTH: Readonly<Record<ChecksumAlgorithm, number>> = {
  md5: 32,
  sha1: 40,
  sha224: 56,
  sha256: 64,
  sha384: 96,
  sha512: 128,
};

/** `MD5`, `SHA-1`, `sha256`, `SHA_512`…: the name without case, hyphen or underscore. */
export function checksumAlgorithm(name: string): ChecksumAlgorithm | undefined {
  const key = name.toLowerCase().replace(/[-_]/g, '');
  return key in CHECKSUM_HEX_LENGTH ? (key as ChecksumAlgorithm) : undefined;
}

/**
 * `{ALGORITHM}HEX` (CloudStack's form). A bare hex string and `{}HEX` are MD5, so a bare 64-hex
 * string is refused (wrong length for MD5). Hex is compared case-insensitively.
 */
export function parseChecksum(text: string): Checksum {
  const refuse = (why: string) =>
    new InvalidInputError(
      'checksum',
      `Invalid checksum ${JSON.stringify(text)}: ${why}. Use {ALGORITHM}HEX with MD5, SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512 (a bare hex string is MD5).`,
    );
  const match = /^(?:\{([^{}]*)\})?([^{}]*)$/.exec(text.trim());
  if (!match) throw refuse('malformed');
  const [, name = '', hex = ''] = match;
  const algorithm = name === '' ? 'md5' : checksumAlgorithm(name);
  if (!algorithm) throw refuse(`unknown algorithm ${JSON.stringify(name)}`);
  if (!/^[0-9a-fA-F]+$/.test(hex)) throw refuse('the digest must be hexadecimal');
  const expected = CHECKSUM_HEX_LENGTH[algorithm];
  if (hex.length !== expected) {
    throw refuse(`${algorithm} needs ${expected} hex digits, not ${hex.length}`);
  }
  return { algorithm, hex: hex.toLowerCase() };
}

export function formatChecksum({ algorithm, hex }: Checksum): string {
  const names: Record<ChecksumAlgorithm, string> = {
    md5: 'MD5',
    sha1: 'SHA-1',
    sha224: 'SHA-224',
    sha256: 'SHA-256',
    sha384: 'SHA-384',
    sha512: 'SHA-512',
  };
  return `{${names[algorithm]}}${hex}`;
}

export function checksumsEqual(a: Checksum, b: Checksum): boolean {
  return a.algorithm === b.algorithm && a.hex.toLowerCase() === b.hex.toLowerCase();
}

// Characters a shell gives meaning to (beyond a query's `?`, `&` and `#`), curl's globbing
// brackets, whitespace and controls: none has a place in a download URL we accept (percent-encode
// them), so a URL carrying one is refused outright, whatever command line it would reach.
// Anything outside printable ASCII too (controls, invisible and look-alike characters, a lone
// surrogate that would reach the host as U+FFFD): percent-encode it.
const SHELL_OR_CONTROL = /[\s;|`$(){}<>'"\\*[\]^]|[^\x21-\x7e]/u;

/** Only http and https, no credentials in the URL, no `..` or `.` segments, nothing a shell reads. */
export function validateDownloadUrl(text: string): string {
  const refuse = (why: string) =>
    new InvalidInputError('url', `Invalid download URL ${JSON.stringify(text)}: ${why}.`);
  if (text.length > 2048) throw refuse('longer than 2048 characters');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1]?.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    throw refuse(`only http and https URLs are accepted${scheme ? `, not ${scheme}` : ''}`);
  }
  const bad = SHELL_OR_CONTROL.exec(text);
  if (bad) throw refuse(`the character ${JSON.stringify(bad[0])} is not allowed`);
  if (!text.toLowerCase().startsWith(`${scheme}://`)) throw refuse('expected scheme://host/');
  const rest = text.slice(scheme.length + 3);
  const authority = /^[^/?#]*/.exec(rest)?.[0] ?? '';
  if (authority.includes('@')) {
    throw refuse('credentials in the URL are not accepted; send them as an HTTP header');
  }
  const hostPort = /^([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(\d{1,5}))?$/.exec(authority);
  if (!hostPort || Number(hostPort[2] ?? 1) > 65535 || Number(hostPort[2] ?? 1) < 1) {
    throw refuse('invalid host or port');
  }
  const path = rest.split(/[?#]/)[0] ?? '';
  const segments = path.split('/').map((s) => s.toLowerCase());
  if (segments.some((s) => ['..', '.', '%2e%2e', '.%2e', '%2e.', '%2e'].includes(s))) {
    throw refuse("'.' and '..' path segments are not allowed");
  }
  return text;
}

export interface HttpHeader {
  name: string;
  value: string;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

/** `NAME:VALUE`: a token for the name; the value without CR, LF or any other control character. */
export function parseHttpHeader(text: string): HttpHeader {
  const refuse = (why: string) =>
    new InvalidInputError('header', `Invalid HTTP header: ${why}. Use NAME:VALUE on one line.`);
  if (/[\r\n]/.test(text)) throw refuse('it contains a line break (CR or LF)');
  if (text.length > 8192) throw refuse('longer than 8192 characters');
  const colon = text.indexOf(':');
  if (colon < 1) throw refuse('no NAME before the colon');
  const name = text.slice(0, colon).trim();
  const value = text.slice(colon + 1).trim();
  if (!HEADER_NAME.test(name)) throw refuse(`${JSON.stringify(name)} is not a header name`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
  if (/[\0-\x08\x0a-\x1f\x7f]/.test(value)) throw refuse('the value has a control character');
  return { name, value };
}
