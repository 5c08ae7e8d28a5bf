// Browser mode's gate against the real server: nothing is served without the session cookie,
// the one-time token becomes an HttpOnly SameSite=Strict cookie, a foreign Host or Origin is
// refused (DNS rebinding, other sites), and the server listens on 127.0.0.1 only.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, test } from 'node:test';
import {
  httpGet,
  signIn,
  startTestBrowserMode,
  tryWebSocket,
  type TestBrowserMode,
} from '../support/browser-mode.js';

let server: TestBrowserMode;
let cookie: string;
let host: string;

before(async () => {
  server = await startTestBrowserMode();
  host = `127.0.0.1:${server.port}`;
});
after(() => server.stop());

test('without the cookie, pages and the WebSocket are refused', async () => {
  const page = await httpGet(server.port, '/', { Host: host });
  assert.equal(page.status, 401);
  assert.doesNotMatch(page.body, /ConVirt<\/title>/);
  const ws = await tryWebSocket(server.port, { Origin: server.origin });
  assert.deepEqual(ws, { opened: false, status: 401 });
  const forged = await tryWebSocket(server.port, {
    Origin: server.origin,
    Cookie: 'convirt_session=guessed',
  });
  assert.deepEqual(forged, { opened: false, status: 401 });
});

test('a wrong token is refused and sets no cookie', async () => {
  const answer = await httpGet(server.port, '/?token=wrong', { Host: host });
  assert.equal(answer.status, 403);
  assert.equal(answer.headers['set-cookie'], undefined);
});

test('the token becomes an HttpOnly, SameSite=Strict cookie, then a clean URL', async () => {
  const url = new URL(server.url);
  const answer = await httpGet(server.port, `/${url.search}`, { Host: host });
  assert.equal(answer.status, 303);
  assert.equal(answer.headers.location, '/');
  const setCookie = answer.headers['set-cookie']?.[0] ?? '';
  assert.match(setCookie, /; HttpOnly/);
  assert.match(setCookie, /; SameSite=Strict/);
  cookie = setCookie.split(';')[0]!;
  const page = await httpGet(server.port, '/', { Host: host, Cookie: cookie });
  assert.equal(page.status, 200);
  assert.match(page.body, /<title>ConVirt<\/title>/);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
});

test('the token works only once', async () => {
  const url = new URL(server.url);
  const again = await httpGet(server.port, `/${url.search}`, { Host: host });
  assert.equal(again.status, 403);
  await assert.rejects(signIn(server));
});

test('a foreign Host header is refused, even with the cookie (DNS rebinding)', async () => {
  for (const badHost of [`evil.example:${server.port}`, '127.0.0.1:1', 'localhost']) {
    const page = await httpGet(server.port, '/', { Host: badHost, Cookie: cookie });
    assert.equal(page.status, 421, badHost);
    const ws = await tryWebSocket(server.port, {
      Host: badHost,
      Origin: server.origin,
      Cookie: cookie,
    });
    assert.equal(ws.opened, false, badHost);
  }
});

test('a foreign or missing Origin is refused', async () => {
  const page = await httpGet(server.port, '/', {
    Host: host,
    Origin: 'http://evil.example',
    Cookie: cookie,
  });
  assert.equal(page.status, 403);
  for (const headers of [
    { Origin: 'http://evil.example', Cookie: cookie },
    { Origin: `http://127.0.0.1:${server.port + 1}`, Cookie: cookie },
    { Cookie: cookie },
  ] as Array<Record<string, string>>) {
    const ws = await tryWebSocket(server.port, headers);
    assert.deepEqual(ws, { opened: false, status: 403 }, JSON.stringify(headers));
  }
});

test('with cookie and matching Origin the contract answers', async () => {
  const ws = await tryWebSocket(server.port, { Origin: server.origin, Cookie: cookie });
  assert.ok(ws.opened);
  const answer = await new Promise<string>((resolve) => {
    ws.socket.once('message', (data: Buffer) => resolve(data.toString()));
    ws.socket.send(JSON.stringify({ id: 1, method: 'appInfo', args: [] }));
  });
  ws.socket.close();
  assert.deepEqual(JSON.parse(answer), {
    id: 1,
    result: { name: 'ConVirt', version: 'test', mode: 'browser', localTerminal: false },
  });
});

test('files outside the built page are not served', async () => {
  for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/nope.js']) {
    const answer = await httpGet(server.port, path, { Host: host, Cookie: cookie });
    assert.equal(answer.status, 404, path);
    assert.doesNotMatch(answer.body, /outside the renderer/);
  }
});

test('it listens on 127.0.0.1 only', async () => {
  const others = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal)
    .map((a) => a!.address);
  for (const address of ['::1', ...others]) {
    const reached = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: address, port: server.port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    assert.equal(reached, false, `reachable on ${address}`);
  }
});
