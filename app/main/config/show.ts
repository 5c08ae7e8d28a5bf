// The contract's `configInfo`: every effective value of convirt.conf and where it came from, as
// plain data (the About/Settings view and `convirtctl config show` present it).
import { describeProblem } from './errors.js';
import type { ConfigInfo } from '../../shared/domain/config.js';
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
