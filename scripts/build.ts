// Builds what the desktop app runs: the renderer (Vite), the Electron main process and the
// preload (esbuild). Tests and convirtctl run the TypeScript sources directly.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { join } from 'node:path';
import { NATIVE_MODULES } from '../packaging/native-modules.js';

const root = join(import.meta.dirname, '..');
// Native and Electron modules stay outside the bundles.
const external = ['electron', ...NATIVE_MODULES];

await viteBuild({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
await esbuild({
  entryPoints: [join(root, 'app/main/electron/main.ts')],
  outfile: join(root, 'dist/main/main.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  logLevel: 'warning',
});
// Sandboxed preloads must be CommonJS.
await esbuild({
  entryPoints: [join(root, 'app/preload/index.ts')],
  outfile: join(root, 'dist/preload/index.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['electron'],
  logLevel: 'warning',
});
console.log('built dist/renderer, dist/main, dist/preload');
