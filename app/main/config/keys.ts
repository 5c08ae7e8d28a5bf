// The keys of convirt.conf that ConVirt reads: the section each belongs to, what it means and how
// its value is checked. docs/configuration.md describes the same keys at length.
import { isAbsolute, join, normalize } from 'node:path';
import { validateHostPath, validatePort } from '../../shared/validation/names.js';
import { validateParam } from '../../shared/validation/provision-params.js';

export const PATHS = 'PATHS';
export const CLIENT = 'CLIENT CONFIGURATION';
/**
 * Sections of ConVirt's own convirt.conf files that hold nothing this ConVirt reads: a file that
 * still has them is accepted without a warning (a key inside them still gets one).
 */
export const LEGACY_SECTIONS: readonly string[] = [
  'DEFAULT',
  'ENVIRONMENT',
  'APPLICATION DATA',
  'IMAGE STORE',
];
/** Python's ConfigParser, which ConVirt used, lends [DEFAULT]'s keys to every section. */
export const DEFAULT_SECTION = 'DEFAULT';

/** Every value ConVirt takes from convirt.conf, by the key's name in the file. */
export interface ConfigValues {
  exec_path: string;
  image_store: string;
  appliance_store: string;
  cache_dir: string;
  log_dir: string;
  snapshots_dir: string;
  xenconf_dir: string;
  default_ssh_port: number;
  /** null: ConVirt sets no proxy (curl still honours the session's own proxy variables). */
  http_proxy: string | null;
  default_bridge_kvm: string;
  default_bridge_xen: string;
  html_browser: string;
  /** null: no handler runs on image-list events. */
  imagelist_event_handler: string | null;
}

export type ConfigKey = keyof ConfigValues;

export interface KeySpec<T> {
  section: string;
  /** One line for `convirtctl config show` and the settings view. */
  summary: string;
  /** Checks a non-empty value from the file (throws an Error saying what is wrong). */
  parse(text: string, home: string): T;
}

/** The component of exec_path that stands for the PATH the host gives ConVirt's login. */
export const HOST_PATH = '$PATH';

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\0-\x1f\x7f]/;
const PROGRAM_NAME = /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/;
const PROXY_SCHEMES = ['http:', 'https:', 'socks4:', 'socks4a:', 'socks5:', 'socks5h:'];

/** `~` and `~/...` are the user's home (quoted values reach us unexpanded). */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  return path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/** A folder on this machine: absolute, or under the home with `~/`. */
function localFolder(text: string, home: string): string {
  const path = expandHome(text, home);
  if (!isAbsolute(path) || CONTROL.test(path)) {
    throw new Error(`expected an absolute path (or one starting with ~/), not ${quote(text)}`);
  }
  return normalize(path).replace(/(.)\/$/, '$1');
}

/** A folder on the managed hosts (the host's home is not known here, so no `~`). */
function hostFolder(text: string): string {
  return messageOf(() => validateHostPath(text));
}

function execPath(text: string): string {
  const parts = text.split(':');
  if (parts.some((p) => p === ''))
    throw new Error(
      `an empty component (a doubled, leading or trailing ':') means the current folder: ${quote(text)}`,
    );
  if (parts.filter((p) => p === HOST_PATH).length > 1)
    throw new Error(`${HOST_PATH} may appear once, not twice: ${quote(text)}`);
  for (const part of parts) {
    if (part !== HOST_PATH) messageOf(() => validateHostPath(part));
  }
  return text;
}

function port(text: string): number {
  if (!/^\d+$/.test(text))
    throw new Error(`expected a port number from 1 to 65535, not ${quote(text)}`);
  return messageOf(() => validatePort(Number(text)));
}

function proxy(text: string): string {
  const notAProxyUrl = () =>
    new Error(`expected a proxy URL such as http://proxy.example.com:3128, not ${quote(text)}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw notAProxyUrl();
  }
  if (!PROXY_SCHEMES.includes(url.protocol))
    throw new Error(
      `the proxy's scheme must be one of ${PROXY_SCHEMES.map((s) => s.slice(0, -1)).join(', ')}, not ${url.protocol.slice(0, -1)}`,
    );
  if (!url.hostname || /\s/.test(text) || CONTROL.test(text)) throw notAProxyUrl();
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash)
    throw new Error(`a proxy URL names a host and port only, not a path: ${quote(text)}`);
  return text;
}

function bridge(text: string): string {
  return messageOf(() => validateParam('bridge', text));
}

/** A program, without arguments: its absolute path, or a name found on this machine's PATH. */
function program(text: string): string {
  const ok = isAbsolute(text) ? !CONTROL.test(text) && !/\s/.test(text) : PROGRAM_NAME.test(text);
  if (!ok)
    throw new Error(
      `expected a program's absolute path or its name on the PATH, without arguments, not ${quote(text)}`,
    );
  return text;
}

/** Runs a shared validator and keeps only its message (the file's key names the field). */
function messageOf<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    const message = (err as Error).message.replace(/^[a-z_]+: /, '');
    throw new Error(message.charAt(0).toLowerCase() + message.slice(1), { cause: err });
  }
}

function quote(text: string): string {
  return JSON.stringify(text);
}

export const KEYS: { readonly [K in ConfigKey]: KeySpec<ConfigValues[K]> } = {
  exec_path: {
    section: PATHS,
    summary: `PATH of every command ConVirt runs on a managed host (${HOST_PATH}: the host's own)`,
    parse: execPath,
  },
  image_store: {
    section: PATHS,
    summary: 'the shipped image store (appliances ConVirt provisions)',
    parse: localFolder,
  },
  appliance_store: {
    section: PATHS,
    summary: "appliances' built files (kernels, disks, root tarballs)",
    parse: localFolder,
  },
  cache_dir: {
    section: PATHS,
    summary: "ConVirt's cache on this machine",
    parse: localFolder,
  },
  log_dir: {
    section: PATHS,
    summary: "ConVirt's log files on this machine",
    parse: localFolder,
  },
  snapshots_dir: {
    section: PATHS,
    summary: 'where a VM saved to a file goes, on the managed host',
    parse: hostFolder,
  },
  xenconf_dir: {
    section: PATHS,
    summary: "Xen hosts' folder of xl domain configurations",
    parse: hostFolder,
  },
  default_ssh_port: {
    section: CLIENT,
    summary: 'SSH port of a new host when none is given',
    parse: port,
  },
  http_proxy: {
    section: CLIENT,
    summary: "proxy for ConVirt's own downloads (not the hosts')",
    parse: proxy,
  },
  default_bridge_kvm: {
    section: CLIENT,
    summary: "bridge for a new VM's network on KVM hosts, when the host has it",
    parse: bridge,
  },
  default_bridge_xen: {
    section: CLIENT,
    summary: "bridge for a new VM's network on Xen hosts, when the host has it",
    parse: bridge,
  },
  html_browser: {
    section: CLIENT,
    summary: 'program that opens the local documentation',
    parse: program,
  },
  imagelist_event_handler: {
    section: CLIENT,
    summary: "program run on image-list events, with vmcatcher's VMCATCHER_EVENT_* environment",
    parse: program,
  },
};

export const CONFIG_KEYS = Object.keys(KEYS) as ConfigKey[];

/**
 * Per-host keys of ConVirt's files: hosts live in the inventory here (convirtctl host add, or the
 * Add host form), so these get a warning that says so.
 */
export const HOST_KEYS: readonly string[] = [
  'login',
  'ssh_port',
  'migration_port',
  'use_keys',
  'address',
  'platform',
];
