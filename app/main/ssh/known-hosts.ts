// OpenSSH known_hosts files, read the way OpenSSH reads them (sshd(8), "SSH_KNOWN_HOSTS FILE
// FORMAT"): `[marker] hostpatterns keytype base64key [comment]`.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { keyAlgorithm, sha256Fingerprint } from './host-key.js';

/**
 * `@revoked` keys are refused even where another line trusts them. `@cert-authority` lines are
 * parsed but never used: ConVirt does not verify host certificates, so a host trusted only
 * through a CA is "unknown" here.
 */
export type KnownHostMarker = 'revoked' | 'cert-authority' | null;

export type HostPattern =
  | { kind: 'plain'; negated: boolean; pattern: string }
  /** `|1|salt|hash`: hash = HMAC-SHA1(key = salt, message = `host` or `[host]:port`). */
  | { kind: 'hashed'; negated: boolean; salt: Buffer; hash: Buffer };

export interface KnownHostEntry {
  /** 1-based line number in the file. */
  line: number;
  marker: KnownHostMarker;
  /** The host field as written. */
  hosts: string;
  patterns: HostPattern[];
  algorithm: string;
  blob: Buffer;
  comment: string;
}

export interface ParsedKnownHosts {
  entries: KnownHostEntry[];
  /** 1-based numbers of lines that are neither blank, comments nor valid entries. */
  malformedLines: number[];
}

export interface KnownHostKey {
  algorithm: string;
  blob: Buffer;
  fingerprint: string;
  line: number;
}

export interface KnownHostMatch {
  keys: KnownHostKey[];
  revoked: Buffer[];
}

const SHA1_LENGTH = 20;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, 'base64');
}

function parseHostPattern(text: string): HostPattern | undefined {
  const negated = text.startsWith('!');
  const body = negated ? text.slice(1) : text;
  if (body === '') return undefined;
  if (!body.startsWith('|')) return { kind: 'plain', negated, pattern: body.toLowerCase() };
  const parts = body.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return undefined;
  const salt = decodeBase64(parts[2]!);
  const hash = decodeBase64(parts[3]!);
  if (salt?.length !== SHA1_LENGTH || hash?.length !== SHA1_LENGTH) return undefined;
  return { kind: 'hashed', negated, salt, hash };
}

function parseLine(text: string, line: number): KnownHostEntry | undefined {
  const fields = text.trim().split(/[ \t]+/);
  let marker: KnownHostMarker = null;
  if (fields[0]?.startsWith('@')) {
    const name = fields.shift()!;
    if (name === '@revoked') marker = 'revoked';
    else if (name === '@cert-authority') marker = 'cert-authority';
    else return undefined;
  }
  const [hosts, algorithm, base64, ...comment] = fields;
  if (hosts === undefined || algorithm === undefined || base64 === undefined) return undefined;
  const patterns: HostPattern[] = [];
  for (const part of hosts.split(',')) {
    const pattern = parseHostPattern(part);
    if (!pattern) return undefined;
    patterns.push(pattern);
  }
  const blob = decodeBase64(base64);
  // OpenSSH refuses a line whose key type does not match the key inside it.
  if (!blob || keyAlgorithm(blob) !== algorithm) return undefined;
  return { line, marker, hosts, patterns, algorithm, blob, comment: comment.join(' ') };
}

/** Parses a known_hosts file; malformed lines are counted, never thrown. */
export function parseKnownHostsDetailed(text: string): ParsedKnownHosts {
  const entries: KnownHostEntry[] = [];
  const malformedLines: number[] = [];
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const entry = parseLine(trimmed, index + 1);
    if (entry) entries.push(entry);
    else malformedLines.push(index + 1);
  });
  return { entries, malformedLines };
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  return parseKnownHostsDetailed(text).entries;
}

/**
 * OpenSSH's `*` / `?` wildcard match (match.c), without regular expressions so that no pattern
 * can make it slow: backtracking is limited to the last `*`.
 */
export function matchesWildcard(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      t++;
      p++;
    } else if (p < pattern.length && pattern[p] === '*') {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * A list of patterns matches when one plain pattern matches and no negated one does; a list of
 * negations alone never matches (OpenSSH's match_pattern_list).
 */
export function matchesPatternList(
  name: string,
  patterns: readonly { negated: boolean; matches: (name: string) => boolean }[],
): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (!pattern.matches(name)) continue;
    if (pattern.negated) return false;
    matched = true;
  }
  return matched;
}

function hostPatternMatches(pattern: HostPattern, name: string): boolean {
  if (pattern.kind === 'plain') return matchesWildcard(name, pattern.pattern);
  const digest = createHmac('sha1', pattern.salt).update(name).digest();
  return timingSafeEqual(digest, pattern.hash);
}

/** The name OpenSSH looks up and writes: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

/** The keys that `entries` list for host:port, and the ones marked @revoked for it. */
export function lookupHost(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
): KnownHostMatch {
  const name = knownHostsName(host, port);
  const keys: KnownHostKey[] = [];
  const revoked: Buffer[] = [];
  for (const entry of entries) {
    if (entry.marker === 'cert-authority') continue;
    const patterns = entry.patterns.map((pattern) => ({
      negated: pattern.negated,
      matches: (candidate: string) => hostPatternMatches(pattern, candidate),
    }));
    if (!matchesPatternList(name, patterns)) continue;
    if (entry.marker === 'revoked') revoked.push(entry.blob);
    else {
      keys.push({
        algorithm: entry.algorithm,
        blob: entry.blob,
        fingerprint: sha256Fingerprint(entry.blob),
        line: entry.line,
      });
    }
  }
  return { keys, revoked };
}

/**
 * One unhashed known_hosts line (no newline). ConVirt's own store stays readable, so that a
 * person can see which hosts it trusts.
 */
export function formatKnownHostsLine(
  host: string,
  port: number,
  algorithm: string,
  blob: Buffer,
): string {
  if (host === '' || /[\s,#|!@*?[\]]/.test(host)) {
    throw new Error(`Cannot write a known_hosts entry for the host name ${JSON.stringify(host)}`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`Cannot write a known_hosts entry for port ${port}`);
  }
  if (keyAlgorithm(blob) !== algorithm) {
    throw new Error(`The key is a ${keyAlgorithm(blob)} key, not ${algorithm}`);
  }
  return `${knownHostsName(host, port)} ${algorithm} ${blob.toString('base64')}`;
}
