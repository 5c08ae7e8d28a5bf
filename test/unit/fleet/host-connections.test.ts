import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostConnections, HostUnreachableError } from '../../../app/main/fleet/host-connections.js';
import type { SshConnection } from '../../../app/main/ssh/ssh-connection.js';

function fakeConnection(): SshConnection & { open: boolean } {
  const c = {
    open: true,
    get isOpen() {
      return c.open;
    },
    close() {
      c.open = false;
    },
  };
  return c as unknown as SshConnection & { open: boolean };
}

test('one connection per host, shared; a concurrent get waits for the same attempt', async () => {
  let opened = 0;
  const pool = new HostConnections(() => {
    opened++;
    return Promise.resolve(fakeConnection());
  });
  const [a, b] = await Promise.all([pool.get('web1'), pool.get('web1')]);
  assert.equal(a, b);
  assert.equal(await pool.get('web1'), a);
  assert.equal(opened, 1);
  assert.ok(pool.isConnected('web1'));
});

test('a dropped connection is opened again on next use', async () => {
  const pool = new HostConnections(() => Promise.resolve(fakeConnection()));
  const first = (await pool.get('web1')) as ReturnType<typeof fakeConnection>;
  first.open = false;
  const second = await pool.get('web1');
  assert.notEqual(second, first);
});

test('after failures, attempts back off exponentially, up to the maximum', async () => {
  let now = 0;
  let attempts = 0;
  const pool = new HostConnections(
    () => {
      attempts++;
      return Promise.reject(new Error('connection refused'));
    },
    { initialMs: 1000, maxMs: 4000 },
    () => now,
  );
  await assert.rejects(pool.get('db'), /refused/);
  // Within the backoff window no attempt is made: a quick, plain error instead.
  await assert.rejects(pool.get('db'), (err: unknown) => {
    assert.ok(err instanceof HostUnreachableError);
    assert.match(err.message, /db is unreachable \(connection refused\); next attempt in 1 s/);
    return true;
  });
  assert.equal(attempts, 1);
  const waits: number[] = [];
  for (let i = 0; i < 4; i++) {
    now += 10_000;
    await assert.rejects(pool.get('db'), /refused/);
    await pool.get('db').catch((err: HostUnreachableError) => waits.push(err.retryInMs));
  }
  assert.deepEqual(waits, [2000, 4000, 4000, 4000]);
  pool.resetBackoff('db');
  await assert.rejects(pool.get('db'), /refused/);
  assert.equal(attempts, 6);
});

test('a connection that opens after its host was closed is closed, not leaked', async () => {
  const connection = fakeConnection();
  let finish!: (c: SshConnection) => void;
  const pool = new HostConnections(() => new Promise((resolve) => (finish = resolve)));
  const pending = pool.get('web1');
  pool.close('web1');
  finish(connection);
  await assert.rejects(pending, /closed/);
  assert.equal(connection.open, false);
  assert.equal(pool.isConnected('web1'), false);
});
