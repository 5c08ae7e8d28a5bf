// How two keys reach the commands ConVirt runs: exec_path around every command on a managed
// host, http_proxy in the environment of ConVirt's own downloads.
import { HOST_PATH } from './keys.js';

// `$1`, the host's PATH, `$2`: exec_path with $PATH replaced by the host's own (a fixed script:
// the values are arguments, never shell text).
const AROUND_HOST_PATH = 'PATH=$1${PATH:-/usr/bin:/bin}$2; export PATH; shift 2; exec "$@"';

/**
 * The argument list that runs `argv` on a host with exec_path as its PATH. A plain exec_path goes
 * through `env`; one naming $PATH through a fixed `sh -c` that expands the host's own PATH there.
 * Wrap outside any `sudo`: sudo sets its own PATH (secure_path) for the command it runs.
 */
export function withExecPath(execPath: string, argv: readonly string[]): string[] {
  const parts = execPath.split(':');
  const at = parts.indexOf(HOST_PATH);
  if (at < 0) return ['env', `PATH=${execPath}`, ...argv];
  const before = parts
    .slice(0, at)
    .map((p) => `${p}:`)
    .join('');
  const after = parts
    .slice(at + 1)
    .map((p) => `:${p}`)
    .join('');
  return ['sh', '-c', AROUND_HOST_PATH, 'sh', before, after, ...argv];
}

/**
 * The environment of a local download (curl) through http_proxy; null leaves it as it is, and
 * curl then honours the session's own proxy variables. curl reads the lower-case names first.
 */
export function proxyEnvironment(
  httpProxy: string | null,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  return httpProxy === null ? env : { ...env, http_proxy: httpProxy, https_proxy: httpProxy };
}
