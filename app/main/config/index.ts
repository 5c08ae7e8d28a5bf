// convirt.conf: where it is looked for, what each key means, the effective values with their
// sources, and how `config show` prints them. See docs/configuration.md.
export { proxyEnvironment, withExecPath } from './apply.js';
export {
  INSTALLED_ROOT,
  currentProgram,
  findProgramRoot,
  type ProgramLocation,
} from './defaults.js';
export { ConfigError, describeProblem, type ConfigProblem, type ConfigWarning } from './errors.js';
export {
  CLIENT,
  CONFIG_KEYS,
  HOST_PATH,
  KEYS,
  PATHS,
  type ConfigKey,
  type ConfigValues,
} from './keys.js';
export {
  CONFIG_ENV,
  SYSTEM_CONFIG_FILE,
  loadConfig,
  type ConvirtConfig,
  type LoadConfigOptions,
  type Setting,
} from './load.js';
export type { ConfigInfo, ConfigSettingInfo, ValueSource } from '../../shared/domain/config.js';
export { configInfo, maskProxyPassword } from './show.js';
