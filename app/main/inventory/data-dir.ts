// Where ConVirt keeps its inventory: the --data-dir flag, then CONVIRT_DATA_DIR, then the XDG
// data home, then ~/.local/share. The folder holds host names, users and task logs, so it is
// private to the user.
import { chmodSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export interface DataDirOptions {
  /** The value of `--data-dir`, if given. */
  flag?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** The data folder's path, without touching the disk. */
export function dataDirPath({
  flag,
  env = process.env,
  home = homedir(),
}: DataDirOptions = {}): string {
  // Quoted values (`CONVIRT_DATA_DIR='~/x'`) reach us unexpanded.
  const expand = (path: string) =>
    resolve(path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path);
  if (flag) return expand(flag);
  if (env.CONVIRT_DATA_DIR) return expand(env.CONVIRT_DATA_DIR);
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'convirt');
  return join(home, '.local', 'share', 'convirt');
}

/** The data folder's path; creates it (mode 0700) when missing. */
export function resolveDataDir(options: DataDirOptions = {}): string {
  const dir = dataDirPath(options);
  const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode passes through the umask; only a folder we created is ours to chmod.
  if (created !== undefined) chmodSync(dir, 0o700);
  return dir;
}
