// `npm run package -- --distro ubuntu|fedora|suse`: the ConVirt package for one distribution,
// running on that distribution's Node.js (a .deb by dpkg-deb, an .rpm by rpmbuild), in
// dist/packages/. `npm run package -- --electron`: the bundled-Electron deb, rpm and AppImage
// (electron-builder; needs downloads, see docs/packaging.md). `--out DIR` puts them elsewhere.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp, buildDistroPackage } from './build-package.js';
import { buildElectronPackages } from './electron.js';
import { DISTROS, repoRoot, type Distro } from './stage.js';

export const USAGE = `Usage: npm run package -- --distro ubuntu|fedora|suse [--out DIR]
       npm run package -- --electron [--out DIR]`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        distro: { type: 'string' },
        electron: { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const outDir = values.out ?? join(repoRoot, 'dist/packages');
  const distro = values.distro as Distro | undefined;
  if (!values.electron && (!distro || !DISTROS.includes(distro))) {
    console.error(`--distro must be one of ${DISTROS.join(', ')}, or give --electron.\n${USAGE}`);
    return 2;
  }
  const started = Date.now();
  buildApp();
  if (values.electron) return buildElectronPackages(outDir);
  const built = await buildDistroPackage(distro!, outDir);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`built ${built} (${(statSync(built).size / 1e6).toFixed(1)} MB, ${seconds} s)`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
