// Browser mode: the whole app (backend, contract, renderer) served to a browser on this machine,
// for machines without a display for Electron or when Electron is missing.
import { parseArgs } from 'node:util';
import { resolveDataDir } from '../inventory/index.js';
import { openConvirt, type OpenConvirtOptions } from '../backend/open-convirt.js';
import { startBrowserServer } from './browser-server.js';

export const SERVE_USAGE = `Usage: convirt --serve [--port N] [--data-dir DIR] [--config FILE] [--enable-local-terminal]

  --port N                 listen on 127.0.0.1:N (default: a free port)
  --data-dir DIR           the data folder (default: CONVIRT_DATA_DIR, then the XDG data home)
  --config FILE            read this convirt.conf (default: CONVIRT_CONFIG, ./convirt.conf,
                           ~/.convirt/convirt.conf, /etc/convirt.conf)
  --enable-local-terminal  serve a shell on this machine to the page (off by default)`;

export interface ServeOptions {
  port: number;
  dataDir: string;
  configFile?: string;
  localTerminal: boolean;
}

/** Parses serve's flags; throws an Error with a plain message on bad usage. */
export function parseServeArgs(argv: string[], env = process.env): ServeOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      'enable-local-terminal': { type: 'boolean' },
    },
    strict: true,
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || port > 65535) {
    throw new Error(`--port must be a number from 0 to 65535, not ${values.port}.`);
  }
  return {
    port,
    dataDir: resolveDataDir({ env, ...(values['data-dir'] ? { flag: values['data-dir'] } : {}) }),
    ...(values.config ? { configFile: values.config } : {}),
    localTerminal: values['enable-local-terminal'] === true,
  };
}

export interface RunningBrowserMode {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startBrowserMode(
  options: ServeOptions & {
    rendererDir: string;
    version: string;
    polling?: OpenConvirtOptions['polling'];
    home?: string;
    provisioningPaths?: OpenConvirtOptions['provisioningPaths'];
    hostTrustDir?: string;
  },
): Promise<RunningBrowserMode> {
  const app = openConvirt({
    dataDir: options.dataDir,
    ...(options.configFile ? { configFile: options.configFile } : {}),
    mode: 'browser',
    version: options.version,
    localTerminal: options.localTerminal,
    ...(options.polling ? { polling: options.polling } : {}),
    ...(options.home ? { home: options.home } : {}),
    ...(options.provisioningPaths ? { provisioningPaths: options.provisioningPaths } : {}),
    ...(options.hostTrustDir ? { hostTrustDir: options.hostTrustDir } : {}),
  });
  for (const warning of app.configWarnings) console.warn(`convirt: warning: ${warning}`);
  try {
    const server = await startBrowserServer({
      rendererDir: options.rendererDir,
      port: options.port,
      attach: (emit) => app.backend.attach(emit),
    });
    return {
      url: server.url,
      port: server.port,
      close: async () => {
        await server.close();
        await app.closeAsync();
      },
    };
  } catch (err) {
    app.close();
    throw err;
  }
}
