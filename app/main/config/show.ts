// `convirtctl config show [--json]` and the About/Settings view: every effective value and where
// it came from. configInfo() is plain data (the contract's `configInfo` answer and the JSON
// output); formatConfigText() is the table convirtctl prints.
import { describeProblem } from './errors.js';
import type { ConfigInfo, ValueSource } from './info.js';
import { CONFIG_KEYS, KEYS } from './keys.js';
import type { ConvirtConfig } from './load.js';

/** A proxy URL as shown: its password is a secret. */
export function maskProxyPassword(url: string): string {
  const parsed = new URL(url);
  if (!parsed.password) return url;
  parsed.password = '***';
  return parsed.href.replace(/\/$/, url.endsWith('/') ? '/' : '');
}

export function configInfo(config: ConvirtConfig): ConfigInfo {
  return {
    file: config.file,
    searched: [...config.searched],
    settings: CONFIG_KEYS.map((key) => {
      const { value, source } = config.settings[key];
      return {
        section: KEYS[key].section,
        key,
        value: key === 'http_proxy' && typeof value === 'string' ? maskProxyPassword(value) : value,
        source,
        summary: KEYS[key].summary,
      };
    }),
    warnings: config.warnings.map(describeProblem),
  };
}

export function describeSource(source: ValueSource): string {
  return source.kind === 'file' ? `${source.file} line ${source.line}` : `default: ${source.why}`;
}

/** `config show`: the file, then one aligned row per key, grouped by section, then warnings. */
export function formatConfigText(info: ConfigInfo): string {
  const rows = info.settings.map((s) => ({
    ...s,
    shown: s.value === null ? '(none)' : String(s.value),
  }));
  const keyWidth = Math.max(...rows.map((r) => r.key.length));
  const valueWidth = Math.max(...rows.map((r) => r.shown.length));
  const lines = [
    info.file
      ? `convirt.conf: ${info.file}`
      : `convirt.conf: none found, every value is a default (searched ${info.searched.join(', ')})`,
  ];
  let section: string | undefined;
  for (const row of rows) {
    if (row.section !== section) {
      section = row.section;
      lines.push('', `[${section}]`);
    }
    lines.push(
      `${row.key.padEnd(keyWidth)}  ${row.shown.padEnd(valueWidth)}  ${describeSource(row.source)}`,
    );
  }
  if (info.warnings.length) lines.push('', ...info.warnings.map((w) => `warning: ${w}`));
  return lines.join('\n');
}

export function formatConfigJson(info: ConfigInfo): string {
  return JSON.stringify(info);
}
