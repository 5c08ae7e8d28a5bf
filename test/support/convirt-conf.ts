// convirt.conf files for tests. ConVirt reads only the file a test names (test/run.ts sets
// CONVIRT_CONFIG=/dev/null otherwise), so a test that needs the test bed's built appliances says so
// here: production defaults never name test-bed paths.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestbedInfo } from '../bed/testbed.js';

/**
 * Writes `dir`/convirt.conf with `paths` in its [PATHS] section and `client` in its [CLIENT
 * CONFIGURATION] section; returns the file.
 */
export function writeConvirtConf(
  dir: string,
  paths: Record<string, string>,
  client: Record<string, string> = {},
): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'convirt.conf');
  const section = (name: string, keys: Record<string, string>) => [
    `[${name}]`,
    ...Object.entries(keys).map(([key, value]) => `${key} = ${value}`),
  ];
  const lines = [
    ...section('PATHS', paths),
    ...(Object.keys(client).length ? section('CLIENT CONFIGURATION', client) : []),
  ];
  writeFileSync(file, [...lines, ''].join('\n'), { mode: 0o644 });
  return file;
}

/**
 * A convirt.conf in `dir` for provisioning against the test bed: its built appliance files, and a
 * cache folder of the test's own (not the user's), plus the test's own keys.
 */
export function testbedConvirtConf(
  bed: TestbedInfo,
  dir: string,
  extra: { paths?: Record<string, string>; client?: Record<string, string> } = {},
): string {
  return writeConvirtConf(
    dir,
    { appliance_store: bed.appliances, cache_dir: join(dir, 'cache'), ...extra.paths },
    extra.client,
  );
}
