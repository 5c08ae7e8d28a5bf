// Browser mode's server: the built renderer over HTTP and the contract over a WebSocket at
// /contract, on 127.0.0.1 only, behind the access gate (token, cookie, Host and Origin).
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer } from 'ws';
import { convirtContract } from '../../shared/contract/convirt-contract.js';
import { serveOverWebSocket } from '../contract-server/websocket-transport.js';
import type { ClientEvents, ClientSession } from '../backend/convirt-backend.js';
import { contentSecurityPolicy } from '../security/content-security-policy.js';
import { AccessGate, type Refusal, type Verdict } from './access-gate.js';

export const CONTRACT_PATH = '/contract';
export const LOOPBACK = '127.0.0.1';

export interface BrowserServerOptions {
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** 0 or undefined: a free port. */
  port?: number;
  attach(emit: ClientEvents): ClientSession;
}

export interface BrowserServer {
  port: number;
  /** The URL with the one-time token, to print. */
  url: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const gate = new AccessGate(port);
  const securityHeaders = {
    'Content-Security-Policy': contentSecurityPolicy(gate.webSocketOrigins),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
  const sendText = (res: ServerResponse, status: number, text: string, extra = {}) => {
    res.writeHead(status, {
      ...securityHeaders,
      'Content-Type': 'text/plain; charset=utf-8',
      ...extra,
    });
    res.end(`${text}\n`);
  };
  const sendRefusal = (res: ServerResponse, refusal: Refusal) =>
    sendText(res, refusal.status, refusal.reason, retryAfter(refusal));

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const headers = gate.checkHeaders(req.headers.host, req.headers.origin, false);
    if (!headers.ok) return sendRefusal(res, headers);
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}:${port}`);
    const token = url.searchParams.get('token');
    if (token !== null) {
      const exchanged = gate.exchangeToken(token);
      if (!exchanged.ok) return sendRefusal(res, exchanged);
      // Redirect to a clean URL, so the token stays out of history and bookmarks.
      res.writeHead(303, { ...securityHeaders, 'Set-Cookie': exchanged.setCookie, Location: '/' });
      return res.end();
    }
    const signedIn = gate.checkCookie(req.headers.cookie);
    if (!signedIn.ok) return sendRefusal(res, signedIn);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendText(res, 405, 'Only GET is served here.', { Allow: 'GET, HEAD' });
    }
    void serveFile(options.rendererDir, url.pathname).then(
      (file) => {
        if (!file) return sendText(res, 404, 'Not found.');
        res.writeHead(200, {
          ...securityHeaders,
          'Content-Type': CONTENT_TYPES[extname(file.path)] ?? 'application/octet-stream',
          'Content-Length': file.body.length,
        });
        res.end(req.method === 'HEAD' ? undefined : file.body);
      },
      () => sendText(res, 500, 'Could not read the file.'),
    );
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const verdict = upgradeVerdict(gate, req);
    if (!verdict.ok) {
      const extra = Object.entries(retryAfter(verdict)).map(([k, v]) => `${k}: ${v}\r\n`);
      socket.end(
        `HTTP/1.1 ${verdict.status} Refused\r\n${extra.join('')}Connection: close\r\n\r\n`,
      );
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) =>
      serveOverWebSocket(ws, convirtContract, (emit) => options.attach(emit)),
    );
  });

  return {
    port,
    url: gate.startUrl,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const retryAfter = (refusal: Refusal): Record<string, string> =>
  refusal.retryAfterSeconds === undefined
    ? {}
    : { 'Retry-After': String(refusal.retryAfterSeconds) };

function upgradeVerdict(gate: AccessGate, req: IncomingMessage): Verdict {
  const headers = gate.checkHeaders(req.headers.host, req.headers.origin, true);
  if (!headers.ok) return headers;
  const signedIn = gate.checkCookie(req.headers.cookie);
  if (!signedIn.ok) return signedIn;
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path !== CONTRACT_PATH) return { ok: false, status: 404, reason: 'Not found.' };
  return { ok: true };
}

/** A file under `root`, index.html for `/`; null when missing or outside root. */
async function serveFile(root: string, pathname: string) {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = normalize(decoded === '/' ? '/index.html' : decoded);
  const path = join(root, relative);
  if (!path.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  try {
    if (!(await stat(path)).isFile()) return null;
    return { path, body: await readFile(path) };
  } catch {
    return null;
  }
}
