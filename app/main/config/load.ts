// Reads convirt.conf the way ConVirt always has: `--config FILE`, else $CONVIRT_CONFIG, else the
// first of ./convirt.conf, ~/.convirt/convirt.conf and /etc/convirt.conf that exists. One file
// is read (no merging); every key it does not set takes its default (defaults.ts).
import { readFileSync, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultsContext, defaultValues, type DefaultsContext } from './defaults.js';
import { ConfigError, type ConfigProblem, type ConfigWarning } from './errors.js';
import type { ValueSource } from '../../shared/domain/config.js';
import { readIni, type IniEntry } from './ini-file.js';
import {
  CONFIG_KEYS,
  DEFAULT_SECTION,
  HOST_KEYS,
  KEYS,
  LEGACY_SECTIONS,
  expandHome,
  type ConfigKey,
  type ConfigValues,
} from './keys.js';

export const SYSTEM_CONFIG_FILE = '/etc/convirt.conf';
export const CONFIG_ENV = 'CONVIRT_CONFIG';
const NO_FILE = '/dev/null';

export interface Setting<T> {
  value: T;
  source: ValueSource;
}

export type Settings = { readonly [K in ConfigKey]: Setting<ConfigValues[K]> };

export interface ConvirtConfig {
  /** The file read, or null when none was found (every value is then a default). */
  file: string | null;
  /** Where ConVirt looked, in order (an override is the only place looked at). */
  searched: readonly string[];
  settings: Settings;
  /** The values alone, for wiring. */
  values: ConfigValues;
  warnings: readonly ConfigWarning[];
}

export interface LoadConfigOptions {
  /** The value of `--config`, if given. */
  flag?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  home?: string;
  /** /etc/convirt.conf unless told (tests). */
  systemFile?: string;
  /** The running user, whom a config file must belong to (or to root). */
  uid?: number;
  /** Where the program is and what exists, for the defaults (tests). */
  defaults?: Partial<Pick<DefaultsContext, 'program' | 'installedRoot' | 'exists'>>;
}

interface Candidate {
  path: string;
  /** How it was named, when an override: a missing override is an error, not a skip. */
  override?: string;
}

function candidates(
  o: Required<Pick<LoadConfigOptions, 'env' | 'cwd' | 'home'>> & LoadConfigOptions,
): Candidate[] {
  const named = (path: string) => resolve(o.cwd, expandHome(path, o.home));
  if (o.flag) return [{ path: named(o.flag), override: '--config' }];
  const fromEnv = o.env[CONFIG_ENV];
  if (fromEnv) return [{ path: named(fromEnv), override: CONFIG_ENV }];
  return [
    { path: join(o.cwd, 'convirt.conf') },
    { path: join(o.home, '.convirt', 'convirt.conf') },
    { path: o.systemFile ?? SYSTEM_CONFIG_FILE },
  ];
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError([{ file: path, message: `cannot be read: ${(err as Error).message}` }]);
  }
}

/**
 * The file's text, once it is known to be a regular file that only its owner (the user or root)
 * can change: html_browser names a program ConVirt starts, so a file anyone can edit is refused.
 */
function readTrusted(path: string, stats: Stats, uid: number | undefined): string {
  const refuse = (message: string) => new ConfigError([{ file: path, message }]);
  if (!stats.isFile()) throw refuse('is not a regular file');
  if (stats.mode & 0o002)
    throw refuse(`anyone can write it (mode ${(stats.mode & 0o777).toString(8)}): chmod o-w it`);
  if (uid !== undefined && stats.uid !== uid && stats.uid !== 0)
    throw refuse(`belongs to user ${stats.uid}, neither to you (${uid}) nor to root`);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw refuse(`cannot be read: ${(err as Error).message}`);
  }
}

/** Reads the effective configuration; throws ConfigError when the file cannot be used. */
export function loadConfig(options: LoadConfigOptions = {}): ConvirtConfig {
  const o = { env: process.env, cwd: process.cwd(), home: homedir(), ...options };
  const uid = o.uid ?? process.getuid?.();
  const ctx = defaultsContext({ home: o.home, env: o.env, ...o.defaults });
  const searched: string[] = [];
  for (const candidate of candidates(o)) {
    searched.push(candidate.path);
    const stats = statOrNull(candidate.path);
    if (!stats) {
      if (candidate.override)
        throw new ConfigError([
          { file: candidate.path, message: `no such file (named by ${candidate.override})` },
        ]);
      continue;
    }
    // `--config /dev/null`: the defaults alone (a device anyone may write, so not read as a file).
    const text = candidate.path === NO_FILE ? '' : readTrusted(candidate.path, stats, uid);
    return settingsFrom(candidate.path, text, searched, ctx);
  }
  return settingsFrom(null, '', searched, ctx);
}

/** The effective configuration from one file's text (or none). */
function settingsFrom(
  file: string | null,
  text: string,
  searched: readonly string[],
  ctx: DefaultsContext,
): ConvirtConfig {
  const problems: ConfigProblem[] = [];
  const warnings: ConfigWarning[] = [];
  const fromFile = new Map<ConfigKey, Setting<unknown>>();
  const emptyAt = new Map<ConfigKey, number>();

  if (file !== null) {
    const ini = readIni(text);
    for (const { line, text: bad } of ini.malformed)
      problems.push({
        file,
        line,
        message: `expected key = value or [SECTION], got ${JSON.stringify(bad)}`,
      });
    for (const [section, line] of ini.sections) {
      if (!knownSection(section))
        warnings.push({ file, line, message: `unknown section [${section}], ignored` });
    }
    // [DEFAULT] first, so a key of its own section overrides it (Python's ConfigParser).
    const ordered = [...ini.entries].sort(
      (a, b) => Number(b.section === DEFAULT_SECTION) - Number(a.section === DEFAULT_SECTION),
    );
    for (const entry of ordered) {
      const key = knownKey(entry, file, warnings);
      if (!key) continue;
      for (const earlier of entry.overridden)
        warnings.push({
          file,
          line: earlier,
          section: entry.section ?? undefined,
          key,
          message: `set again on line ${entry.line}, which wins`,
        });
      const place = { file, line: entry.line, section: KEYS[key].section, key };
      const raw = valueText(entry.value);
      if (raw === null) {
        problems.push({ ...place, message: 'give one value (this key takes no list)' });
      } else if (raw.trim() === '') {
        fromFile.delete(key);
        emptyAt.set(key, entry.line);
      } else {
        try {
          fromFile.set(key, {
            value: KEYS[key].parse(raw.trim(), ctx.home),
            source: { kind: 'file', file, line: entry.line },
          });
          emptyAt.delete(key);
        } catch (err) {
          problems.push({ ...place, message: (err as Error).message });
        }
      }
    }
  }
  if (problems.length)
    throw new ConfigError(problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));

  const cacheDir = fromFile.get('cache_dir')?.value as string | undefined;
  const defaults = defaultValues(ctx, cacheDir);
  const settings = Object.fromEntries(
    CONFIG_KEYS.map((key) => {
      const set = fromFile.get(key);
      if (set) return [key, set];
      const { value, why } = defaults[key];
      const empty = emptyAt.get(key);
      const source: ValueSource = {
        kind: 'default',
        why: empty === undefined ? why : `${why}; empty in ${file} line ${empty}`,
      };
      return [key, { value, source }];
    }),
  ) as unknown as Settings;
  const values = Object.fromEntries(
    CONFIG_KEYS.map((key) => [key, settings[key].value]),
  ) as unknown as ConfigValues;
  return {
    file,
    searched,
    settings,
    values,
    warnings: warnings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
  };
}

/** The entry's key when ConVirt reads it where it stands; otherwise a warning and undefined. */
function knownKey(entry: IniEntry, file: string, warnings: ConfigWarning[]): ConfigKey | undefined {
  const warn = (message: string) =>
    warnings.push({
      file,
      line: entry.line,
      ...(entry.section ? { section: entry.section } : {}),
      key: entry.key,
      message,
    });
  // Key names are case-insensitive, as in the ConfigParser ConVirt used.
  const name = entry.key.toLowerCase();
  const key = CONFIG_KEYS.find((k) => k === name);
  if (entry.section === null) {
    warn(`outside any section, ignored${key ? ` (it belongs in [${KEYS[key].section}])` : ''}`);
    return undefined;
  }
  if (key && (entry.section === KEYS[key].section || entry.section === DEFAULT_SECTION)) return key;
  if (key) warn(`belongs in [${KEYS[key].section}], ignored here`);
  // An unknown section's other keys are covered by its own warning.
  else if (!knownSection(entry.section)) return undefined;
  else if (HOST_KEYS.includes(name))
    warn(
      'unknown key, ignored: hosts and their settings are kept in the inventory (convirtctl host add)',
    );
  else warn('unknown key, ignored');
  return undefined;
}

function knownSection(section: string): boolean {
  return LEGACY_SECTIONS.includes(section) || CONFIG_KEYS.some((k) => KEYS[k].section === section);
}

/** A value as text: `ini` turns true/false/null and quoted numbers into JSON values. */
function valueText(value: unknown): string | null {
  if (Array.isArray(value) || (typeof value === 'object' && value !== null)) return null;
  return String(value);
}
