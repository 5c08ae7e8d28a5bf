// `npm run package -- --electron`: electron-builder's deb, rpm and AppImage with Electron inside
// (packaging/electron/electron-builder.json). Electron's binary and headers, and electron-builder's
// tools, come from outside the package registries: where they cannot be downloaded, this goes as
// far as it can and ends with one line naming what could not be downloaded.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleLaunchers, repoRoot } from './stage.js';

export const ELECTRON_BUILDER_CONFIG = join(repoRoot, 'packaging/electron/electron-builder.json');

/** The first URL electron-builder (or @electron/rebuild) failed to fetch, from its output. */
export function failedDownload(output: string): string | undefined {
  const urls = output.match(/https?:\/\/[^\s"'<>)]+/g) ?? [];
  return urls.find((url) => !/electron\.build|github\.com\/electron-userland/.test(url));
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
  process.stdout.write(output);
  if (run.status === 0) return 0;
  const url = failedDownload(output);
  console.error(
    url
      ? `convirt: the Electron packages need a download that failed here: ${url}`
      : 'convirt: electron-builder failed; see its messages above.',
  );
  return 1;
}
