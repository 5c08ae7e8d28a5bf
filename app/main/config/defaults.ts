// What each key is when convirt.conf does not set it. None of these names a test-bed path.
//
// The shipped image store, first found of:
//   1. PROGRAM/image_store: a source checkout (the TypeScript sources, or the bundle in dist/,
//      both under the folder holding ConVirt's package.json);
//   2. /var/cache/convirt/image_store: the installed layout of the packaging guide (the
//      packages' install hook puts it there);
//   3. RESOURCES/image_store: a packaged Electron app that was not installed (AppImage);
//   4. otherwise /var/cache/convirt/image_store all the same, so the store reports it missing.
// appliance_store is /var/cache/convirt/appliance_store in the installed layout (2 and 4), else
// CACHE_DIR/appliance_store: built files are large and can be built again.
// cache_dir and log_dir are per user, installed or not (a user cannot write /var/cache/convirt):
// $XDG_CACHE_HOME/convirt (~/.cache/convirt) and $XDG_STATE_HOME/convirt/log
// (~/.local/state/convirt/log). The host-side keys have fixed defaults.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { HOST_PATH, type ConfigKey, type ConfigValues } from './keys.js';

/** The installed layout's root, from the packaging guide. */
export const INSTALLED_ROOT = '/var/cache/convirt';

/** On the managed hosts: where VMs are saved to files (snapshots_dir), from the packaging guide. */
export const DEFAULT_SNAPSHOTS_DIR = '/var/lib/convirt/snapshots';

export interface ProgramLocation {
  /** The folder holding ConVirt's package.json: a checkout, /usr/share/convirt, app.asar. */
  root: string | null;
  /** A packaged Electron app's resources folder (process.resourcesPath). */
  resourcesPath?: string;
}

export interface DefaultsContext {
  home: string;
  env: NodeJS.ProcessEnv;
  program: ProgramLocation;
  installedRoot: string;
  exists(path: string): boolean;
}

export interface DefaultValue<T> {
  value: T;
  /** Why this default, for `config show`. */
  why: string;
}

/**
 * The nearest folder at or above `from` whose package.json is ConVirt's: the same answer from
 * app/main/config/ in the sources and from dist/main/ in the bundle.
 */
export function findProgramRoot(from: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'convirt') return dir;
    } catch {
      // no package.json here, or not JSON: keep going up
    }
    if (dirname(dir) === dir) return null;
  }
}

/** Where this process runs from; Electron sets process.resourcesPath, Node.js does not. */
export function currentProgram(): ProgramLocation {
  const { resourcesPath } = process as { resourcesPath?: string };
  return {
    root: findProgramRoot(import.meta.dirname),
    ...(resourcesPath ? { resourcesPath } : {}),
  };
}

export function defaultsContext(
  overrides: Partial<DefaultsContext> & Pick<DefaultsContext, 'home' | 'env'>,
): DefaultsContext {
  return {
    program: currentProgram(),
    installedRoot: INSTALLED_ROOT,
    exists: existsSync,
    ...overrides,
  };
}

interface ShippedStores {
  imageStore: DefaultValue<string>;
  /** null: under cache_dir. */
  applianceStore: DefaultValue<string> | null;
}

function shippedStores(ctx: DefaultsContext): ShippedStores {
  const { root, resourcesPath } = ctx.program;
  if (root && ctx.exists(join(root, 'image_store'))) {
    return {
      imageStore: { value: join(root, 'image_store'), why: "the program's own image_store/" },
      applianceStore: null,
    };
  }
  const installed: ShippedStores = {
    imageStore: { value: join(ctx.installedRoot, 'image_store'), why: 'installed layout' },
    applianceStore: {
      value: join(ctx.installedRoot, 'appliance_store'),
      why: 'installed layout',
    },
  };
  if (ctx.exists(installed.imageStore.value)) return installed;
  if (resourcesPath && ctx.exists(join(resourcesPath, 'image_store'))) {
    return {
      imageStore: { value: join(resourcesPath, 'image_store'), why: "the packaged app's own" },
      applianceStore: null,
    };
  }
  return installed;
}

/** An XDG base folder: the variable when it is absolute (the spec ignores relative ones). */
function xdg(ctx: DefaultsContext, variable: string, fallback: string): string {
  const value = ctx.env[variable];
  return value && isAbsolute(value) ? value : join(ctx.home, fallback);
}

/**
 * The defaults of every key. `cacheDir` is the effective cache_dir (set in the file or not),
 * which appliance_store follows outside the installed layout.
 */
export function defaultValues(
  ctx: DefaultsContext,
  cacheDir?: string,
): { [K in ConfigKey]: DefaultValue<ConfigValues[K]> } {
  const stores = shippedStores(ctx);
  const cache = {
    value: join(xdg(ctx, 'XDG_CACHE_HOME', '.cache'), 'convirt'),
    why: 'per user ($XDG_CACHE_HOME/convirt)',
  };
  const perUserAppliances = join(cacheDir ?? cache.value, 'appliance_store');
  return {
    exec_path: {
      value: `${HOST_PATH}:/usr/local/sbin:/usr/sbin:/sbin`,
      why: "the host's PATH, then the sbin folders",
    },
    image_store: stores.imageStore,
    appliance_store: stores.applianceStore ?? {
      value: perUserAppliances,
      why: 'under cache_dir',
    },
    cache_dir: cache,
    log_dir: {
      value: join(xdg(ctx, 'XDG_STATE_HOME', '.local/state'), 'convirt', 'log'),
      why: 'per user ($XDG_STATE_HOME/convirt/log)',
    },
    snapshots_dir: { value: DEFAULT_SNAPSHOTS_DIR, why: 'built in' },
    xenconf_dir: { value: '/etc/xen', why: "xl's own" },
    default_ssh_port: { value: 22, why: 'built in' },
    http_proxy: { value: null, why: 'none' },
    default_bridge_kvm: { value: 'br0', why: 'built in' },
    default_bridge_xen: { value: 'xenbr0', why: 'built in' },
    html_browser: { value: 'xdg-open', why: "the desktop's default browser" },
    imagelist_event_handler: { value: null, why: 'none' },
  };
}
