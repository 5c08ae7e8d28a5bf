// ~/.ssh/config, read with OpenSSH's rules (ssh_config(5)) so that a host that works with
// `ssh NAME` works in ConVirt with the same host name, port, user, keys and jump hosts.
//
// Supported: Host blocks (`*`, `?`, `!negation`, several patterns), `Key Value` / `Key=Value`,
// quotes, first value wins, IdentityFile accumulates, Include (with `*`/`?` globs), tokens
// %h %p %r %u %d %n %% and `~`. Not supported: Match blocks other than `Match all` are skipped
// (their settings are ignored and a warning says so), as is every keyword ConVirt has no use for.
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { matchesPatternList, matchesWildcard } from './known-hosts.js';

/** How configuration files are read; tests pass a fake so they need no disk. */
export interface SshConfigFiles {
  /** The file's text, or null when it cannot be read. */
  readFile(path: string): string | null;
  /** The names in a directory, or null when it cannot be listed. */
  listDirectory(path: string): string[] | null;
}

export const diskFiles: SshConfigFiles = {
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  },
  listDirectory(path) {
    try {
      return readdirSync(path);
    } catch {
      return null;
    }
  },
};

/** The block a directive sits in: a Host line, `Match all`, or a Match line that is skipped. */
type BlockCondition = { kind: 'host'; patterns: string[] } | { kind: 'always' } | { kind: 'never' };

export interface SshConfigDirective {
  /** Lower case. */
  keyword: string;
  args: string[];
  /** Everything after the keyword, unsplit (ProxyCommand is a shell command line). */
  value: string;
  file: string;
  line: number;
  /** Every one must hold: the enclosing blocks of each Include level, outermost first. */
  conditions: BlockCondition[];
}

export interface SshConfig {
  homeDir: string;
  directives: SshConfigDirective[];
  warnings: string[];
}

export interface ParseSshConfigOptions {
  homeDir: string;
  /** Where relative Include paths start. Default: ~/.ssh. */
  includeBase?: string;
  /** Named in warnings and errors. Default: ~/.ssh/config. */
  fileName?: string;
  files?: SshConfigFiles;
}

export interface JumpHop {
  host: string;
  user: string | null;
  port: number | null;
}

export interface ResolveContext {
  localUser: string;
  /** Given explicitly (like `ssh -l` / `-p`): wins over the configuration. */
  user?: string;
  port?: number;
  /** The port when neither `port` nor a Port directive gives one (convirt.conf's default_ssh_port). */
  defaultPort?: number;
}

export interface ResolvedSshHost {
  alias: string;
  hostName: string;
  port: number;
  user: string;
  /** Configured IdentityFiles, in order, tokens and `~` expanded. */
  identityFiles: string[];
  /** ~/.ssh/id_ed25519, id_ecdsa, id_rsa when no IdentityFile is configured; else empty. */
  defaultIdentityFiles: string[];
  identitiesOnly: boolean;
  /** Hops in connection order; null without ProxyJump or with `ProxyJump none`. */
  proxyJump: JumpHop[] | null;
  /** ConVirt cannot run a ProxyCommand; callers report it. */
  proxyCommand: string | null;
}

export class SshConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SshConfigError';
  }
}

/** OpenSSH's limits: READCONF_MAX_DEPTH for Include; jump chains as other SSH clients do. */
const MAX_INCLUDE_DEPTH = 16;
export const MAX_JUMP_HOPS = 8;

/**
 * Splits arguments as OpenSSH's argv_split: whitespace separates, "double" and 'single' quotes
 * group, a backslash escapes a quote, a backslash or (outside quotes) a space, and a word that
 * starts with `#` ends the line.
 */
function splitArguments(text: string): string[] | undefined {
  const args: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length || text[i] === '#') break;
    let arg = '';
    let quote: string | null = null;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (quote === null && /\s/.test(c)) break;
      if (c === '\\') {
        const next = text[i + 1];
        if (next === '"' || next === "'" || next === '\\' || (quote === null && next === ' ')) {
          arg += next;
          i++;
          continue;
        }
        arg += c;
      } else if (quote !== null && c === quote) {
        quote = null;
      } else if (quote === null && (c === '"' || c === "'")) {
        quote = c;
      } else {
        arg += c;
      }
    }
    if (quote !== null) return undefined;
    args.push(arg);
  }
  return args;
}

function expandTilde(path: string, homeDir: string): string {
  if (path === '~') return homeDir;
  if (path.startsWith('~/')) return join(homeDir, path.slice(2));
  return path;
}

/** Absolute paths matching `pattern`, where `*` and `?` may appear in any path component. */
function expandGlob(pattern: string, files: SshConfigFiles): string[] {
  let candidates = ['/'];
  for (const part of pattern.split('/').filter((p) => p !== '')) {
    if (!/[*?]/.test(part)) {
      candidates = candidates.map((dir) => posix.join(dir, part));
      continue;
    }
    const next: string[] = [];
    for (const dir of candidates) {
      for (const name of (files.listDirectory(dir) ?? []).sort()) {
        // As glob(3): a wildcard does not match a leading dot.
        if (name.startsWith('.') && !part.startsWith('.')) continue;
        if (matchesWildcard(name, part)) next.push(posix.join(dir, name));
      }
    }
    candidates = next;
  }
  return candidates.sort();
}

/** Parses ssh_config text; Include files are read through `options.files` (default: the disk). */
export function parseSshConfig(text: string, options: ParseSshConfigOptions): SshConfig {
  const { homeDir } = options;
  const includeBase = options.includeBase ?? join(homeDir, '.ssh');
  const files = options.files ?? diskFiles;
  const config: SshConfig = { homeDir, directives: [], warnings: [] };

  const parseFile = (
    fileText: string,
    file: string,
    outer: BlockCondition[],
    depth: number,
  ): void => {
    // Lines before the first Host or Match of a file belong to the block that included it.
    let block: BlockCondition | null = null;
    fileText.split('\n').forEach((raw, index) => {
      const line = index + 1;
      const where = `${file} line ${line}`;
      const trimmed = raw.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return;
      // `Key Value`, `Key=Value` and `Key = Value` are all the same.
      const keywordMatch = /^([^\s=]+)\s*(?:=\s*)?(.*)$/.exec(trimmed);
      if (!keywordMatch) return;
      const keyword = keywordMatch[1]!.toLowerCase();
      const args = splitArguments(keywordMatch[2]!);
      if (args === undefined) {
        config.warnings.push(`${where}: unbalanced quotes; the line was ignored.`);
        return;
      }
      if (args.length === 0) {
        config.warnings.push(`${where}: ${keyword} has no value; the line was ignored.`);
        return;
      }
      const conditions = block ? [...outer, block] : outer;
      if (keyword === 'host') {
        block = { kind: 'host', patterns: args };
      } else if (keyword === 'match') {
        if (args.length === 1 && args[0]!.toLowerCase() === 'all') {
          block = { kind: 'always' };
        } else {
          block = { kind: 'never' };
          config.warnings.push(
            `${where}: Match blocks are not supported; the settings in this one were ignored.`,
          );
        }
      } else if (keyword === 'include') {
        if (depth >= MAX_INCLUDE_DEPTH) {
          config.warnings.push(`${where}: too many nested Includes; this one was ignored.`);
          return;
        }
        for (const arg of args) {
          const path = expandTilde(arg, homeDir);
          const absolute = path.startsWith('/') ? path : join(includeBase, path);
          const matches = /[*?]/.test(absolute) ? expandGlob(absolute, files) : [absolute];
          for (const included of matches) {
            const includedText = files.readFile(included);
            // A missing file is no error, as in OpenSSH.
            if (includedText !== null) parseFile(includedText, included, conditions, depth + 1);
          }
        }
      } else {
        config.directives.push({ keyword, args, value: keywordMatch[2]!, file, line, conditions });
      }
    });
  };

  parseFile(text, options.fileName ?? join(homeDir, '.ssh', 'config'), [], 0);
  return config;
}

/** Reads ~/.ssh/config (and what it includes); an empty configuration when there is none. */
export function loadUserSshConfig(homeDir: string, files: SshConfigFiles = diskFiles): SshConfig {
  const fileName = join(homeDir, '.ssh', 'config');
  return parseSshConfig(files.readFile(fileName) ?? '', { homeDir, fileName, files });
}

function hostBlockMatches(patterns: readonly string[], alias: string): boolean {
  const name = alias.toLowerCase();
  return matchesPatternList(
    name,
    patterns.map((p) => {
      const negated = p.startsWith('!');
      const pattern = (negated ? p.slice(1) : p).toLowerCase();
      return { negated, matches: (candidate: string) => matchesWildcard(candidate, pattern) };
    }),
  );
}

function conditionHolds(condition: BlockCondition, alias: string): boolean {
  if (condition.kind === 'always') return true;
  if (condition.kind === 'never') return false;
  return hostBlockMatches(condition.patterns, alias);
}

/** Replaces %-tokens; an unknown token is an error, as in OpenSSH. */
function expandTokens(value: string, tokens: Record<string, string>, where: string): string {
  return value.replace(/%(.)?/g, (whole, token: string | undefined) => {
    if (token === '%') return '%';
    const replacement = token === undefined ? undefined : tokens[token];
    if (replacement === undefined) {
      throw new SshConfigError(`${where}: unknown token ${whole} in ${JSON.stringify(value)}.`);
    }
    return replacement;
  });
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** One ProxyJump hop: `[user@]host[:port]`, `[user@][v6addr]:port` or `ssh://[user@]host[:port]`. */
function parseJumpHop(text: string): JumpHop | undefined {
  let rest = text.trim();
  if (rest.startsWith('ssh://')) rest = rest.slice('ssh://'.length).replace(/\/$/, '');
  let user: string | null = null;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user === '') return undefined;
  }
  let host = rest;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if (rest.split(':').length === 2) {
    [host, portText] = rest.split(':') as [string, string];
  }
  if (host === '' || /[\s/@[\]]/.test(host)) return undefined;
  let port: number | null = null;
  if (portText !== undefined) {
    const parsed = parsePort(portText);
    if (parsed === undefined) return undefined;
    port = parsed;
  }
  return { host, user, port };
}

/** A ProxyJump value: comma-separated hops, or `none` (null). */
export function parseProxyJump(value: string): JumpHop[] | null {
  if (value.trim().toLowerCase() === 'none') return null;
  const hops: JumpHop[] = [];
  for (const part of value.split(',')) {
    const hop = parseJumpHop(part);
    if (!hop) throw new SshConfigError(`Invalid ProxyJump ${JSON.stringify(value)}.`);
    hops.push(hop);
  }
  return hops;
}

/** The settings `ssh ALIAS` would use for the host name, port, user, keys and jump hosts. */
export function resolveHost(
  config: SshConfig,
  alias: string,
  ctx: ResolveContext,
): ResolvedSshHost {
  const first = new Map<string, SshConfigDirective>();
  const identityFiles: SshConfigDirective[] = [];
  let proxy: SshConfigDirective | undefined;
  for (const directive of config.directives) {
    if (!directive.conditions.every((c) => conditionHolds(c, alias))) continue;
    if (directive.keyword === 'identityfile') {
      if (!identityFiles.some((d) => d.args[0] === directive.args[0])) {
        identityFiles.push(directive);
      }
    } else if (directive.keyword === 'proxyjump' || directive.keyword === 'proxycommand') {
      // The two exclude each other: whichever comes first wins.
      proxy ??= directive;
    } else if (!first.has(directive.keyword)) {
      first.set(directive.keyword, directive);
    }
  }
  const where = (d: SshConfigDirective) => `${d.file} line ${d.line}`;

  const hostNameDirective = first.get('hostname');
  const hostName = hostNameDirective
    ? expandTokens(hostNameDirective.args[0]!, { h: alias }, where(hostNameDirective))
    : alias;

  let port = ctx.defaultPort ?? 22;
  const portDirective = first.get('port');
  if (ctx.port !== undefined) port = ctx.port;
  else if (portDirective) {
    const parsed = parsePort(portDirective.args[0]!);
    if (parsed === undefined) {
      throw new SshConfigError(`${where(portDirective)}: bad port ${portDirective.args[0]}.`);
    }
    port = parsed;
  }

  const user = ctx.user ?? first.get('user')?.args[0] ?? ctx.localUser;

  let identitiesOnly = false;
  const identitiesOnlyDirective = first.get('identitiesonly');
  if (identitiesOnlyDirective) {
    const value = identitiesOnlyDirective.args[0]!.toLowerCase();
    if (value === 'yes' || value === 'true') identitiesOnly = true;
    else if (value !== 'no' && value !== 'false') {
      throw new SshConfigError(`${where(identitiesOnlyDirective)}: IdentitiesOnly ${value}?`);
    }
  }

  const tokens = {
    h: hostName,
    p: String(port),
    r: user,
    u: ctx.localUser,
    d: config.homeDir,
    n: alias,
  };
  const expandedIdentityFiles = identityFiles.map((d) =>
    expandTilde(expandTokens(d.args[0]!, tokens, where(d)), config.homeDir),
  );
  const ssh = join(config.homeDir, '.ssh');
  const defaultIdentityFiles =
    identityFiles.length === 0
      ? ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => join(ssh, name))
      : [];

  let proxyJump: JumpHop[] | null = null;
  let proxyCommand: string | null = null;
  if (proxy?.keyword === 'proxyjump') {
    try {
      proxyJump = parseProxyJump(proxy.args.join(' '));
    } catch (err) {
      throw new SshConfigError(`${where(proxy)}: ${(err as Error).message}`);
    }
  } else if (proxy && proxy.value.toLowerCase() !== 'none') {
    proxyCommand = proxy.value;
  }

  return {
    alias,
    hostName,
    port,
    user,
    identityFiles: expandedIdentityFiles,
    defaultIdentityFiles,
    identitiesOnly,
    proxyJump,
    proxyCommand,
  };
}

/**
 * Every host to connect to for `ssh ALIAS`, in connection order, ending with ALIAS itself.
 * Hops are resolved through the configuration like ALIAS, as `ssh -J` does: with `ProxyJump
 * a,b`, b is reached through a (b's own ProxyJump is not used) and a through a's own ProxyJump.
 * A loop, or a chain longer than MAX_JUMP_HOPS, is an SshConfigError.
 */
export function resolveJumpChain(
  config: SshConfig,
  alias: string,
  ctx: ResolveContext,
): ResolvedSshHost[] {
  const chain = (
    hostAlias: string,
    hostCtx: ResolveContext,
    forcedJumps: JumpHop[] | undefined,
    path: { label: string; endpoint: string }[],
  ): ResolvedSshHost[] => {
    const host = resolveHost(config, hostAlias, hostCtx);
    const endpoint = `${host.user}@${host.hostName.toLowerCase()}:${host.port}`;
    const labels = [...path.map((p) => p.label), hostAlias];
    if (path.some((p) => p.endpoint === endpoint)) {
      throw new SshConfigError(`ProxyJump loop: ${labels.join(' -> ')}.`);
    }
    if (path.length > MAX_JUMP_HOPS) {
      throw new SshConfigError(
        `More than ${MAX_JUMP_HOPS} ProxyJump hops: ${labels.join(' -> ')}.`,
      );
    }
    const jumps = forcedJumps ?? host.proxyJump;
    if (!jumps || jumps.length === 0) return [host];
    const last = jumps[jumps.length - 1]!;
    const lastCtx: ResolveContext = { localUser: ctx.localUser };
    if (ctx.defaultPort !== undefined) lastCtx.defaultPort = ctx.defaultPort;
    if (last.user !== null) lastCtx.user = last.user;
    if (last.port !== null) lastCtx.port = last.port;
    const before = jumps.length > 1 ? jumps.slice(0, -1) : undefined;
    const nextPath = [...path, { label: hostAlias, endpoint }];
    return [...chain(last.host, lastCtx, before, nextPath), host];
  };
  return chain(alias, ctx, undefined, []);
}
