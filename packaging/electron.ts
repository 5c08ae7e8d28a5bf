// `npm run package -- --electron`: electron-builder's deb, rpm and AppImage with Electron inside
// (packaging/electron/electron-builder.json). Electron's binary and headers, and electron-builder's
// tools, come from outside the package registries: where they cannot be downloaded, this goes as
// far as it can and ends with one line naming what could not be downloaded.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleLaunchers, repoRoot } from './stage.js';

export const ELECTRON_BUILDER_CONFIG = join(repoRoot, 'packaging/electron/electron-builder.json');

/**
 * What electron-builder (or @electron/rebuild) could not download, from its output: the URL it
 * names, or, when it names only an unreachable host while packaging, Electron's release archive.
 */
export function failedDownload(
  output: string,
  electron = { version: electronVersion(), platform: `linux-${process.arch}` },
): string | undefined {
  const errors = output
    .split('\n')
    .filter((line) => /⨯|error|failed/i.test(line))
    .join('\n');
  const url = (errors.match(/https?:\/\/[^\s"'<>)]+/g) ?? []).find(
    (u) => !/electron\.build|github\.com\/electron-userland/.test(u),
  );
  if (url) return url;
  const network = /getaddrinfo \w+ [\w.-]+|connect \w+ [\d.:]+|\w*ETIMEDOUT|fetch failed/.exec(
    errors,
  );
  if (!network) return undefined;
  const why = network[0].trim();
  if (/packaging\s+platform=/.test(output)) {
    const { version, platform } = electron;
    return `Electron ${version} for ${platform}, https://github.com/electron/electron/releases/download/v${version}/electron-v${version}-${platform}.zip (${why})`;
  }
  return `a file electron-builder needed (${why})`;
}

function electronVersion(root = repoRoot): string {
  const manifest = join(root, 'node_modules/electron/package.json');
  if (!existsSync(manifest)) return 'unknown';
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

export async function buildElectronPackages(outDir: string, root = repoRoot): Promise<number> {
  const cli = join(root, 'node_modules/electron-builder/cli.js');
  if (!existsSync(cli)) {
    console.error("convirt: electron-builder is not installed (run 'npm ci').");
    return 1;
  }
  // convirtctl and the browser-mode server, bundled into the app (run with ELECTRON_RUN_AS_NODE).
  await bundleLaunchers(join(root, 'dist/lib'));
  const run = spawnSync(
    process.execPath,
    [
      cli,
      '--linux',
      '--config',
      ELECTRON_BUILDER_CONFIG,
      `-c.directories.output=${join(outDir, 'electron')}`,
    ],
    { cwd: root, encoding: 'utf8', timeout: 30 * 60_000 },
  );
  const output = `${run.stdout}\n${run.stderr}`;
  // electron-builder's stack traces bury the reason; the line below names it.
  process.stdout.write(output.replace(/^\s+at .*\n/gm, ''));
  if (run.status === 0) return 0;
  const url = failedDownload(output);
  console.error(
    url
      ? `convirt: the Electron packages stop here: could not download ${url}`
      : 'convirt: electron-builder failed; see its messages above.',
  );
  return 1;
}
