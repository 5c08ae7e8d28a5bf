// Browser mode's access rules, as pure logic (the real server is tested in
// test/integration/browser-mode-security.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AccessGate,
  cookieValue,
  GuessLimiter,
  SESSION_COOKIE,
} from '../../../app/main/browser-mode/access-gate.js';

test('the one-time token becomes the session cookie exactly once', () => {
  const gate = new AccessGate(8080);
  const token = new URL(gate.startUrl).searchParams.get('token')!;
  assert.ok(token.length >= 40);
  assert.equal(gate.exchangeToken('wrong').ok, false);
  const exchanged = gate.exchangeToken(token);
  assert.ok(exchanged.ok);
  assert.match(gate.cookieName, new RegExp(`^${SESSION_COOKIE}_[0-9a-f]{12}$`));
  assert.match(
    exchanged.setCookie,
    new RegExp(`^${gate.cookieName}=[\\w-]{40,}; HttpOnly; SameSite=Strict; Path=/$`),
  );
  assert.deepEqual(gate.exchangeToken(token), {
    ok: false,
    status: 403,
    reason: 'This token is not valid (it works only once).',
  });
  assert.throws(() => gate.startUrl);
  const cookie = exchanged.setCookie.split(';')[0]!;
  assert.deepEqual(gate.checkCookie(`a=b; ${cookie}`), { ok: true });
  assert.equal(gate.checkCookie(undefined).ok, false);
  assert.equal(
    gate.checkCookie(`${gate.cookieName}=${token}`).ok,
    false,
    'the token is not the cookie',
  );
});

test("another server's cookie (a tab left from an earlier run) is not this one's", () => {
  const earlier = new AccessGate(8080);
  const now = new AccessGate(8080);
  const token = new URL(earlier.startUrl).searchParams.get('token')!;
  const exchanged = earlier.exchangeToken(token);
  assert.ok(exchanged.ok);
  assert.equal(now.checkCookie(exchanged.setCookie.split(';')[0]).ok, false);
});

test('wrong tokens and cookies are rate limited; a missing cookie is not a guess', () => {
  let clock = 0;
  const limiter = new GuessLimiter({ max: 3, windowMs: 60_000 }, () => clock);
  const gate = new AccessGate(8080, limiter);
  const token = new URL(gate.startUrl).searchParams.get('token')!;
  const status = (verdict: { ok: boolean; status?: number }) => (verdict.ok ? 200 : verdict.status);
  for (let i = 0; i < 5; i++) assert.equal(status(gate.checkCookie('other=1')), 401);
  assert.equal(status(gate.exchangeToken('guess-1')), 403);
  assert.equal(status(gate.checkCookie(`${gate.cookieName}=guess-2`)), 401);
  clock = 10_000;
  assert.equal(status(gate.exchangeToken('guess-3')), 403);
  // Three wrong in the window: nothing is compared, not even the right token.
  const blocked = gate.exchangeToken(token);
  assert.deepEqual(blocked, {
    ok: false,
    status: 429,
    reason: 'Too many wrong tokens or cookies: try again in 50 s.',
    retryAfterSeconds: 50,
  });
  assert.equal(status(gate.checkCookie(`${gate.cookieName}=guess-4`)), 429);
  // The first wrong guess leaves the window: one more may be checked.
  clock = 60_000;
  assert.equal(gate.exchangeToken(token).ok, true);
});

test('Host must be the loopback address and our port; Origin, when sent, too', () => {
  const gate = new AccessGate(8080);
  assert.equal(gate.checkHeaders('127.0.0.1:8080', undefined, false).ok, true);
  assert.equal(gate.checkHeaders('localhost:8080', 'http://localhost:8080', true).ok, true);
  for (const host of [
    undefined,
    'evil.example:8080',
    '127.0.0.1',
    '127.0.0.1:8081',
    '0.0.0.0:8080',
  ]) {
    assert.equal(gate.checkHeaders(host, undefined, false).ok, false, String(host));
  }
  for (const origin of [
    'http://evil.example',
    'https://127.0.0.1:8080',
    'null',
    'http://127.0.0.1:8081',
  ]) {
    assert.equal(gate.checkHeaders('127.0.0.1:8080', origin, false).ok, false, origin);
  }
  assert.equal(
    gate.checkHeaders('127.0.0.1:8080', undefined, true).ok,
    false,
    'WebSockets need Origin',
  );
});

test('cookieValue reads one cookie among several', () => {
  assert.equal(cookieValue('a=1; b=2;c=3', 'b'), '2');
  assert.equal(cookieValue('ab=1', 'a'), undefined);
  assert.equal(cookieValue(undefined, 'a'), undefined);
});
