// A hostile page in the same Chromium as a signed-in browser-mode tab: served from another
// loopback port (so the browser sends it the session cookie: cookies ignore ports), and from a
// DNS name rebound to 127.0.0.1. It tries every way in (read a page, open the contract's
// WebSocket and create a server pool, replay the printed token after its page closed, guess
// tokens in a burst) and gets nothing; the server's own answers confirm each refusal.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { CHROMIUM } from '../e2e/support/e2e-app.js';
import {
  contractClient,
  httpGet,
  startTestBrowserMode,
  type TestBrowserMode,
} from '../support/browser-mode.js';

const REBOUND = 'rebound.example';

let server: TestBrowserMode;
let hostile: Server;
let hostilePort: number;
let browser: Browser;
/** The operator's browser: signed in, ConVirt's tab open. */
let operator: BrowserContext;
let cookie: string;

/** The attacker's page: each attempt reports what it got into window.results. */
function attackPage(target: string, token: string): string {
  return `<!doctype html><title>hostile</title><script>
const target = ${JSON.stringify(target)};
const wsTarget = target.replace('http:', 'ws:') + '/contract';
window.results = {};
const report = (name, value) => (window.results[name] = value);
async function readPage(name, url, init) {
  try {
    const answer = await fetch(url, init);
    report(name, answer.type === 'opaque' ? 'opaque' : 'read ' + answer.status + ' ' + (await answer.text()).slice(0, 80));
  } catch (err) {
    report(name, 'blocked');
  }
}
function openSocket(name, url) {
  return new Promise((resolve) => {
    let ws;
    try { ws = new WebSocket(url); } catch { report(name, 'blocked'); return resolve(); }
    ws.onopen = () => {
      report(name, 'opened');
      ws.send(JSON.stringify({ id: 1, method: 'createGroup', args: ['pwned-' + name, null] }));
      ws.onmessage = (m) => { report(name, 'answered ' + m.data); resolve(); };
    };
    ws.onerror = () => { report(name, 'refused'); resolve(); };
  });
}
window.attack = async () => {
  await readPage('fetch the page', target + '/');
  await readPage('fetch the page, credentials', target + '/', { credentials: 'include' });
  await readPage('fetch no-cors', target + '/', { mode: 'no-cors', credentials: 'include' });
  await readPage('POST', target + '/', { method: 'POST', credentials: 'include', body: 'x' });
  await openSocket('websocket', wsTarget);
  await openSocket('websocket via localhost', wsTarget.replace('127.0.0.1', 'localhost'));
  await readPage('replayed token', target + '/?token=' + ${JSON.stringify(token)}, { credentials: 'include' });
  await readPage('replayed token, no-cors', target + '/?token=' + ${JSON.stringify(token)}, { mode: 'no-cors' });
  await Promise.all(Array.from({ length: 30 }, (_, i) =>
    readPage('guess ' + i, target + '/?token=guess' + i, { mode: 'no-cors' })));
  return window.results;
};
</script>`;
}

/** A page on the rebound name: same origin as its own fetches, so it could read them if served. */
const REBOUND_PAGE = `<!doctype html><title>rebound</title>`;

before(async () => {
  server = await startTestBrowserMode();
  const token = new URL(server.url).searchParams.get('token')!;
  hostile = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(req.url === '/rebound' ? REBOUND_PAGE : attackPage(server.origin, token));
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
  hostilePort = (hostile.address() as AddressInfo).port;
  browser = await chromium.launch({
    ...CHROMIUM,
    args: [...CHROMIUM.args, `--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`],
  });
  operator = await browser.newContext();
  const tab = await operator.newPage();
  const signedIn = await tab.goto(server.url);
  assert.equal(signedIn?.status(), 200);
  assert.equal(await tab.title(), 'ConVirt');
  const sessionCookie = (await operator.cookies()).find((c) => c.name.startsWith('convirt_'));
  assert.ok(sessionCookie?.httpOnly);
  cookie = `${sessionCookie.name}=${sessionCookie.value}`;
  // The page is closed; its token was used. The hostile page below replays it.
  await tab.close();
});

after(async () => {
  await browser?.close();
  hostile?.close();
  await server?.stop();
});

test('a page on another loopback port, in the signed-in browser, gets nothing', async (t) => {
  // The operator's own client, connected before the burst of guesses (an open WebSocket stays).
  const client = await contractClient(server, cookie);
  t.after(() => client.disconnect());
  const page = await operator.newPage();
  await page.goto(`http://127.0.0.1:${hostilePort}/`);
  const results = await page.evaluate<Record<string, string>>('window.attack()');
  for (const [attempt, got] of Object.entries(results)) {
    assert.match(got, /^(blocked|opaque|refused)$/, `${attempt}: ${got}`);
    if (!attempt.startsWith('guess ') || attempt === 'guess 0') t.diagnostic(`${attempt}: ${got}`);
  }
  assert.equal(Object.keys(results).length, 38);
  // No pool was made: the contract never answered the page.
  const groups = (await client.getFleet()).groups.map((g) => g.name);
  assert.deepEqual(
    groups.filter((g) => g.startsWith('pwned')),
    [],
  );
  // The server's side of each: what the page could not see.
  const host = `127.0.0.1:${server.port}`;
  const foreign = `http://127.0.0.1:${hostilePort}`;
  assert.equal(
    (await httpGet(server.port, '/', { Host: host, Origin: foreign, Cookie: cookie })).status,
    403,
  );
  // The burst of 30 wrong tokens: nothing is compared now, not even the right cookie.
  const blocked = await httpGet(server.port, '/?token=one-more', { Host: host });
  assert.equal(blocked.status, 429);
  assert.ok(Number(blocked.headers['retry-after']) > 0);
  assert.equal((await httpGet(server.port, '/', { Host: host, Cookie: cookie })).status, 429);
  await page.close();
});

test('a DNS name rebound to 127.0.0.1 gets nothing, with or without the token', async () => {
  const page = await operator.newPage();
  const answer = await page.goto(`http://${REBOUND}:${server.port}/`);
  assert.equal(answer?.status(), 421);
  assert.doesNotMatch(await page.content(), /<title>ConVirt<\/title>/);
  const results = await page.evaluate(async (port) => {
    const got: Record<string, string> = {};
    const page = await fetch(`/?token=anything`).catch(() => null);
    got.fetch = page ? String(page.status) : 'blocked';
    got.websocket = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://rebound.example:${port}/contract`);
      ws.onopen = () => resolve('opened');
      ws.onerror = () => resolve('refused');
    });
    return got;
  }, server.port);
  assert.deepEqual(results, { fetch: '421', websocket: 'refused' });
  await page.close();
});

test('without the cookie: no token, a wrong one and the used one are refused', async () => {
  const stranger = await browser.newContext();
  const page = await stranger.newPage();
  const origin = server.origin;
  assert.equal((await page.goto(`${origin}/`))?.status(), 401);
  // Rate limited by now (the burst above), or refused as used: never the page.
  for (const path of [`/?token=wrong`, new URL(server.url).search.replace(/^/, '/')]) {
    const status = (await page.goto(`${origin}${path}`))?.status();
    assert.ok(status === 403 || status === 429, `${path}: ${status}`);
    assert.doesNotMatch(await page.content(), /<title>ConVirt<\/title>/);
  }
  assert.deepEqual(await stranger.cookies(), []);
  await stranger.close();
});
