// What the client is talking to.
import { APP_INFO } from '../../../shared/app-info.js';
import type { ApiContext, Slice } from './context.js';

export function appApi({ options }: ApiContext): Slice<'appInfo'> {
  return {
    appInfo: () => ({
      name: APP_INFO.name,
      version: options.version,
      mode: options.mode,
      localTerminal: options.localTerminal,
    }),
  };
}
