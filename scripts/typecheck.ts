// Type-checks each layer with its own tsconfig, so a layer cannot use types it has no right to
// (no DOM in app/shared or app/main, no Node in app/renderer).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const projects = [
  'app/shared',
  'app/main',
  'app/preload',
  'app/renderer',
  '.', // scripts, tests, benchmarks
];

let failed = 0;
for (const project of projects) {
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', project],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  const ok = result.status === 0;
  if (!ok) failed++;
  console.log(`typecheck ${project}: ${ok ? 'ok' : 'FAILED'}`);
}
process.exitCode = failed ? 1 : 0;
