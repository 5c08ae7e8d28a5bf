// convirt.conf's http_proxy and ConVirt's own download into the image store: with a proxy set,
// the local curl asks that proxy (a recording one on loopback) for the file; without, it goes
// to the server directly.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { downloadToStore } from '../../../app/main/templates/store-download.js';
import type { UrlTemplateRecords } from '../../../app/main/templates/template-records.js';

const BODY = 'a template image, small enough for a test\n';
const checksum = {
  algorithm: 'sha256',
  hex: createHash('sha256').update(BODY).digest('hex'),
} as const;

/** What the proxy was asked for (absolute URLs, as a client speaks to a proxy). */
const proxied: string[] = [];
let origin: Server;
let proxy: Server;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

let originUrl = '';
let proxyUrl = '';

before(async () => {
  // The session's own proxy settings would decide the "directly" case, or exempt loopback.
  for (const scheme of ['http', 'https', 'all', 'no'])
    for (const name of [`${scheme}_proxy`, `${scheme.toUpperCase()}_PROXY`])
      delete process.env[name];
  origin = createServer((_req, res) => res.end(BODY));
  proxy = createServer((req, res) => {
    proxied.push(req.url ?? '');
    const forward = request(req.url ?? '', { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  originUrl = await listen(origin);
  proxyUrl = await listen(proxy);
});

after(() => {
  origin.close();
  proxy.close();
});

/** Downloads `name` into a fresh store, through `httpProxy` when given. */
async function download(name: string, httpProxy: string | null): Promise<string> {
  const storeDir = mkdtempSync(join(tmpdir(), 'store-download-'));
  // Read only for client certificates, which these downloads do not use.
  const records = {} as UrlTemplateRecords;
  const dest = await downloadToStore(
    { records, storeDir, localTrustDir: join(storeDir, 'certs'), httpProxy },
    name,
    'raw',
    [`${originUrl}/${name}.img`],
    checksum,
    {},
    () => {},
  );
  return readFileSync(dest, 'utf8');
}

test('with http_proxy set, the local download asks the proxy for the file', async () => {
  assert.equal(await download('through-proxy', proxyUrl), BODY);
  assert.deepEqual(proxied, [`${originUrl}/through-proxy.img`]);
});

test('without http_proxy, the local download goes to the server directly', async () => {
  proxied.length = 0;
  assert.equal(await download('direct', null), BODY);
  assert.deepEqual(proxied, []);
});
