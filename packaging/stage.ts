// The ConVirt deployment layout (the packaging guide's, see docs/packaging.md), assembled in a
// staging folder that the .deb and .rpm builders pack as it is:
//   /usr/share/convirt/{bin,lib,dist/renderer,node_modules,image_store,appliance_store,doc}
//   /usr/bin/convirt, /usr/bin/convirtctl -> the launchers in /usr/share/convirt/bin (0755)
//   /etc/convirt.conf (a configuration file), the desktop entry and icon
//   /var/cache/convirt/{image_store,appliance_store,install}/ (filled by the after-install hook)
import { build as esbuild, type BuildOptions, type Plugin } from 'esbuild';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { NATIVE_MODULES } from './native-modules.js';

export const DISTROS = ['ubuntu', 'fedora', 'suse'] as const;
export type Distro = (typeof DISTROS)[number];

export const SHARE = 'usr/share/convirt';
export const CACHE = 'var/cache/convirt';
export const CACHE_DIRS = ['image_store', 'appliance_store', 'install'] as const;

const packagingDir = import.meta.dirname;
export const repoRoot = join(packagingDir, '..');

export interface AppInfo {
  name: string;
  version: string;
  description: string;
  license: string;
}

export function appInfo(root = repoRoot): AppInfo {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as AppInfo;
}

/** `convirtctl` from a checkout imports tsx to load the sources; the bundle needs none of it. */
const noTsxRegister: Plugin = {
  name: 'no-tsx-register',
  setup(build) {
    build.onResolve({ filter: /^tsx\/esm\/api$/ }, () => ({ path: 'tsx', namespace: 'stub' }));
    build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'export function register() {}',
      loader: 'js',
    }));
  },
};

const nodeBundle: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // vite is imported only to build a missing page, which an installed program never lacks.
  external: ['electron', 'vite', ...NATIVE_MODULES],
  // CommonJS dependencies bundled into ESM still call require() for Node's own modules.
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  // A bundle has one filename for all its modules: scripts/serve.ts's "run when I am the entry
  // point" check would be true in every bundle that includes it.
  define: { 'import.meta.filename': '""' },
  logLevel: 'warning',
};

/** The launchers' code, bundled for the distribution's Node.js, into `libDir`. */
export async function bundleLaunchers(libDir: string): Promise<void> {
  await esbuild({
    ...nodeBundle,
    entryPoints: [join(packagingDir, 'launcher/convirt.ts')],
    outfile: join(libDir, 'convirt.js'),
  });
  await esbuild({
    ...nodeBundle,
    entryPoints: [join(repoRoot, 'bin/convirtctl.js')],
    outfile: join(libDir, 'convirtctl.js'),
    plugins: [noTsxRegister],
  });
  await esbuild({
    entryPoints: [join(packagingDir, 'launcher/electron-window.ts')],
    outfile: join(libDir, 'electron-window.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    logLevel: 'warning',
  });
}

/** The native modules and everything they need at run time (not their sources or build files). */
export function runtimeModules(nodeModules: string, roots: readonly string[] = NATIVE_MODULES) {
  const found = new Set<string>();
  const visit = (name: string, optional: boolean) => {
    if (found.has(name)) return;
    const manifest = join(nodeModules, name, 'package.json');
    if (!existsSync(manifest)) {
      if (optional) return;
      throw new Error(`${name} is not installed in ${nodeModules} (run 'npm ci')`);
    }
    found.add(name);
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, true);
  };
  for (const name of roots) visit(name, name === 'cpu-features');
  return [...found].sort();
}

/** Sources, compiler leftovers and other platforms' binaries: not needed to run. */
const SKIPPED_IN_MODULES = new Set([
  'deps',
  'src',
  'obj.target',
  '.deps',
  'test',
  'prebuilds',
  'third_party',
  'docs',
]);

function copyModules(nodeModules: string, target: string): void {
  for (const name of runtimeModules(nodeModules)) {
    // Build tools that native modules need only when compiling.
    if (name === 'prebuild-install' || name === 'node-addon-api') continue;
    cpSync(join(nodeModules, name), join(target, name), {
      recursive: true,
      filter: (src) =>
        !SKIPPED_IN_MODULES.has(basename(src)) && !src.endsWith('test_extension.node'),
    });
  }
}

/**
 * The shipped native modules must load in the Node.js the package depends on: electron-builder's
 * rebuild (`--electron`) leaves them built for Electron's ABI in the checkout.
 */
function checkModulesLoad(share: string): void {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      "new (require('better-sqlite3'))(':memory:').close(); require('node-pty'); require('ssh2')",
    ],
    { cwd: share, encoding: 'utf8' },
  );
  if (probe.status !== 0) {
    const detail = /^Error: .*$/m.exec(probe.stderr)?.[0] ?? probe.stderr.trim();
    throw new Error(
      `the native modules do not load in Node.js ${process.version} (${detail}); run 'npm rebuild' and package again`,
    );
  }
}

function launcher(bundle: string): string {
  return `#!/bin/sh\n# ConVirt runs on the distribution's Node.js (see /usr/share/convirt/doc/packaging.md).\nexec node /${SHARE}/lib/${bundle} "$@"\n`;
}

/** Sets the modes the layout asks for: directories 0755, files 0644, scripts 0755, provision.sh 0744. */
function setModes(dir: string, executables: (path: string) => boolean): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      chmodSync(path, 0o755);
      setModes(path, executables);
    } else if (entry.name === 'provision.sh') chmodSync(path, 0o744);
    else chmodSync(path, executables(path) ? 0o755 : 0o644);
  }
}

export interface StageOptions {
  distro: Distro;
  /** An empty folder that becomes the package's root. */
  stageDir: string;
  root?: string;
}

/** Builds the page and the bundles, and lays out the installed tree in `stageDir`. */
export async function stage({ distro, stageDir, root = repoRoot }: StageOptions): Promise<void> {
  rmSync(stageDir, { recursive: true, force: true });
  const share = join(stageDir, SHARE);
  const info = appInfo(root);
  mkdirSync(join(share, 'bin'), { recursive: true });
  await bundleLaunchers(join(share, 'lib'));
  cpSync(join(root, 'dist/renderer'), join(share, 'dist/renderer'), { recursive: true });
  copyModules(join(root, 'node_modules'), join(share, 'node_modules'));
  checkModulesLoad(share);
  writeFileSync(
    join(share, 'package.json'),
    `${JSON.stringify({ name: info.name, version: info.version, private: true, type: 'module' }, null, 2)}\n`,
  );
  copyFileSync(join(packagingDir, 'hooks/convirt-setup.sh'), join(share, 'lib/convirt-setup'));
  for (const name of ['convirt', 'convirtctl']) {
    writeFileSync(join(share, 'bin', name), launcher(`${name}.js`));
  }
  // The shipped stores; the after-install hook copies them to /var/cache/convirt.
  for (const store of ['image_store', 'appliance_store']) {
    cpSync(join(root, store), join(share, store), { recursive: true });
  }
  // The distribution's own appliances (its official cloud image) join the shared store.
  const distroStore = join(root, 'distros', distro, 'image_store');
  if (existsSync(distroStore)) cpSync(distroStore, join(share, 'image_store'), { recursive: true });
  const doc = join(share, 'doc');
  mkdirSync(doc, { recursive: true });
  copyFileSync(join(root, 'README.md'), join(doc, 'README.md'));
  copyFileSync(join(root, 'docs/packaging.md'), join(doc, 'packaging.md'));
  copyFileSync(
    join(packagingDir, 'doc/image-builders-guide.md'),
    join(doc, 'image-builders-guide.md'),
  );
  copyFileSync(join(root, 'distros', distro, 'convirt.conf'), join(doc, 'convirt.conf.example'));

  mkdirSync(join(stageDir, 'etc'), { recursive: true });
  copyFileSync(join(root, 'distros', distro, 'convirt.conf'), join(stageDir, 'etc/convirt.conf'));
  mkdirSync(join(stageDir, 'usr/bin'), { recursive: true });
  for (const name of ['convirt', 'convirtctl']) {
    symlinkSync(`../share/convirt/bin/${name}`, join(stageDir, 'usr/bin', name));
  }
  const desktop = join(stageDir, 'usr/share/applications/convirt.desktop');
  mkdirSync(dirname(desktop), { recursive: true });
  copyFileSync(join(packagingDir, 'files/convirt.desktop'), desktop);
  for (const [size, file] of [
    ['scalable', 'convirt.svg'],
    ['256x256', 'convirt.png'],
  ] as const) {
    const icon = join(stageDir, 'usr/share/icons/hicolor', size, 'apps', file);
    mkdirSync(dirname(icon), { recursive: true });
    copyFileSync(join(packagingDir, 'files', file), icon);
  }
  for (const dir of CACHE_DIRS) mkdirSync(join(stageDir, CACHE, dir), { recursive: true });

  const executables = ['bin/convirt', 'bin/convirtctl', 'lib/convirt-setup'].map((p) =>
    join(share, p),
  );
  const keepsExecBit = ['image_store', 'node_modules'].map((p) => join(share, p));
  const executable = (path: string) =>
    executables.includes(path) ||
    // The image store's hooks and scripts, and native modules' helpers (node-pty's spawn-helper).
    (keepsExecBit.some((dir) => path.startsWith(`${dir}/`)) && (statSync(path).mode & 0o100) !== 0);
  chmodSync(stageDir, 0o755);
  setModes(stageDir, executable);
}

/** Every path in the staged tree, relative to its root, with its type and mode. */
export interface StagedEntry {
  path: string;
  type: 'dir' | 'file' | 'link';
  mode: number;
}

export function listStaged(stageDir: string, dir = stageDir): StagedEntry[] {
  const out: StagedEntry[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const path = join(dir, entry.name);
    const rel = relative(stageDir, path);
    if (entry.isSymbolicLink()) out.push({ path: rel, type: 'link', mode: 0o777 });
    else if (entry.isDirectory()) {
      out.push({ path: rel, type: 'dir', mode: statSync(path).mode & 0o7777 });
      out.push(...listStaged(stageDir, path));
    } else out.push({ path: rel, type: 'file', mode: statSync(path).mode & 0o7777 });
  }
  return out;
}

/** Folders the package owns (the system's own, such as /usr/bin, belong to other packages). */
export function ownedDir(path: string): boolean {
  return path.startsWith(SHARE) || path.startsWith(CACHE);
}
