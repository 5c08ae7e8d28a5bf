// The steps of `npm run package`, for the command (package.ts) and the tests.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildDeb } from './deb.js';
import { buildRpm } from './rpm.js';
import { repoRoot, stage, type Distro } from './stage.js';
import { packageValues } from './values.js';

/** Builds the page, the Electron main process and the preload (scripts/build.ts). */
export function buildApp(root = repoRoot): void {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/build.ts')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('scripts/build.ts failed; see the messages above.');
}

/** Builds one distribution's package; returns its path. */
export async function buildDistroPackage(distro: Distro, outDir: string, root = repoRoot) {
  const work = join(outDir, 'work', distro);
  const stageDir = join(work, 'root');
  await stage({ distro, stageDir, root });
  const values = packageValues(root);
  return distro === 'ubuntu'
    ? buildDeb(stageDir, outDir, values)
    : buildRpm(distro, stageDir, work, outDir, values);
}
