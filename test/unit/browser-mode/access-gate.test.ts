// Browser mode's access rules, as pure logic (the real server is tested in
// test/integration/browser-mode-security.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AccessGate,
  cookieValue,
  SESSION_COOKIE,
} from '../../../app/main/browser-mode/access-gate.js';

test('the one-time token becomes the session cookie exactly once', () => {
  const gate = new AccessGate(8080);
  const token = new URL(gate.startUrl).searchParams.get('token')!;
  assert.ok(token.length >= 40);
  assert.equal(gate.exchangeToken('wrong'), null);
  const setCookie = gate.exchangeToken(token)!;
  assert.match(
    setCookie,
    new RegExp(`^${SESSION_COOKIE}=[\\w-]{40,}; HttpOnly; SameSite=Strict; Path=/$`),
  );
  assert.equal(gate.exchangeToken(token), null, 'a token works once');
  assert.throws(() => gate.startUrl);
  const cookie = setCookie.split(';')[0]!;
  assert.deepEqual(gate.checkCookie(`a=b; ${cookie}`), { ok: true });
  assert.equal(gate.checkCookie(undefined).ok, false);
  assert.equal(
    gate.checkCookie(`${SESSION_COOKIE}=${token}`).ok,
    false,
    'the token is not the cookie',
  );
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
