// Browser mode for tests: the real server on a free port with its own data folder, a stand-in
// page, and a signed-in contract client over a real WebSocket (the `ws` package).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import {
  startBrowserMode,
  type RunningBrowserMode,
} from '../../app/main/browser-mode/browser-mode.js';
import { resolveDataDir } from '../../app/main/inventory/index.js';
import { CONTRACT_PATH } from '../../app/main/browser-mode/browser-server.js';
import {
  convirtContract,
  type ConvirtContract,
} from '../../app/shared/contract/convirt-contract.js';
import {
  connectSocketClient,
  type SocketClient,
  type SocketLike,
} from '../../app/shared/contract/socket-client.js';

export interface TestBrowserMode extends RunningBrowserMode {
  dir: string;
  /** The page's origin, `http://127.0.0.1:PORT`. */
  origin: string;
  stop(): Promise<void>;
}

/**
 * Starts browser mode. Without `rendererDir` it serves a one-line stand-in page (tests of the
 * server itself); UI tests pass the built renderer (dist/renderer).
 */
export async function startTestBrowserMode(
  options: { localTerminal?: boolean; home?: string; rendererDir?: string } = {},
): Promise<TestBrowserMode> {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-browser-'));
  let rendererDir = options.rendererDir;
  if (!rendererDir) {
    rendererDir = join(dir, 'renderer');
    mkdirSync(rendererDir);
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>ConVirt</title>\n');
  }
  writeFileSync(join(dir, 'secret.txt'), 'outside the renderer\n');
  const running = await startBrowserMode({
    port: 0,
    dataDir: resolveDataDir({ flag: join(dir, 'data') }),
    localTerminal: options.localTerminal ?? false,
    rendererDir,
    version: 'test',
    home: options.home ?? dir,
    polling: { pollIntervalMs: 2000, fastPollIntervalMs: 1000 },
  });
  return {
    ...running,
    dir,
    origin: `http://127.0.0.1:${running.port}`,
    stop: async () => {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw HTTP request, with exactly the headers given (Host included). */
export function httpGet(
  port: number,
  path: string,
  headers: Record<string, string>,
  host = '127.0.0.1',
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method: 'GET', headers, setHost: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Exchanges the printed URL's token for the session cookie (`name=value`). */
export async function signIn(server: TestBrowserMode): Promise<string> {
  const url = new URL(server.url);
  const answer = await httpGet(server.port, `${url.pathname}${url.search}`, {
    Host: url.host,
  });
  const setCookie = answer.headers['set-cookie']?.[0];
  if (answer.status !== 303 || !setCookie) throw new Error(`sign-in failed: ${answer.status}`);
  return setCookie.split(';')[0]!;
}

/** Opens a WebSocket to the contract; resolves with the HTTP status when refused. */
export function tryWebSocket(
  port: number,
  headers: Record<string, string>,
  path = CONTRACT_PATH,
): Promise<{ opened: true; socket: WebSocket } | { opened: false; status: number }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    socket.once('open', () => resolve({ opened: true, socket }));
    socket.once('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('error', () => resolve({ opened: false, status: 0 }));
  });
}

/** A signed-in contract client, as the page would have. */
export async function contractClient(
  server: TestBrowserMode,
  cookie: string,
): Promise<SocketClient<ConvirtContract>> {
  return connectSocketClient(convirtContract, {
    open: () =>
      new WebSocket(`ws://127.0.0.1:${server.port}${CONTRACT_PATH}`, {
        headers: { Cookie: cookie, Origin: server.origin },
      }) as unknown as SocketLike,
    later: (fn, ms) => void setTimeout(fn, ms),
  });
}
