// The plain data `convirtctl config show --json` prints and the contract's `configInfo` answers
// for the About/Settings view: every effective value of convirt.conf and where it came from, and
// how that source is put in words.

/** Where an effective value came from: a line of the file read, or the default and why. */
export type ValueSource =
  { kind: 'file'; file: string; line: number } | { kind: 'default'; why: string };

/** A value's source in words, as `config show` and the settings view show it. */
export function describeSource(source: ValueSource): string {
  // "FILE line N", as convirt.conf's errors name the place too.
  return source.kind === 'file' ? `${source.file} line ${source.line}` : `default: ${source.why}`;
}

export interface ConfigSettingInfo {
  section: string;
  key: string;
  /** The effective value; a proxy's password is masked. null: not set (http_proxy). */
  value: string | number | null;
  source: ValueSource;
  /** One line saying what the key does. */
  summary: string;
}

export interface ConfigInfo {
  /** The file read, or null: every value is a default. */
  file: string | null;
  /** Where ConVirt looked, in order. */
  searched: string[];
  settings: ConfigSettingInfo[];
  /** Unknown keys and sections, repeated keys, as printed. */
  warnings: string[];
}
