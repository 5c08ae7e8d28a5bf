// What the client is talking to, and the convirt.conf it runs with.
import { APP_INFO } from '../../../shared/app-info.js';
import { configInfo } from '../../config/index.js';
import { openHelp } from '../help.js';
import type { ApiContext, Slice } from './context.js';

export function appApi({ options }: ApiContext): Slice<'appInfo' | 'configInfo' | 'openHelp'> {
  return {
    appInfo: () => ({
      name: APP_INFO.name,
      version: options.version,
      mode: options.mode,
      localTerminal: options.localTerminal,
    }),
    configInfo: () => configInfo(options.config),
    openHelp: () => openHelp(options.config.values.html_browser),
  };
}
