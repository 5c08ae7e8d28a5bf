// The renderer's side of one console, with a client that records calls and emits events by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConvirtClient } from '../../../app/shared/contract/convirt-contract.js';
import { ConsoleConnection } from '../../../app/renderer/src/consoles/console-connection.js';

type Listener = (payload: unknown) => void;

function fakeClient(onOpen: (emit: (event: string, payload: unknown) => void) => void) {
  const listeners = new Map<string, Set<Listener>>();
  const calls: Array<[string, ...unknown[]]> = [];
  const emit = (event: string, payload: unknown) => {
    for (const l of listeners.get(event) ?? []) l(payload);
  };
  const recorded = (name: string, args: unknown[]) => {
    calls.push([name, ...args]);
    return Promise.resolve();
  };
  const opened = (name: string, args: unknown[]) => {
    calls.push([name, ...args]);
    onOpen(emit); // events can overtake the answer
    return Promise.resolve({ consoleId: 'c1' });
  };
  const client = {
    on: (event: string, listener: Listener) => {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
    openConsole: (...args: unknown[]) => opened('openConsole', args),
    openLocalTerminal: (...args: unknown[]) => opened('openLocalTerminal', args),
    consoleAck: (...args: unknown[]) => recorded('consoleAck', args),
    consoleInput: (...args: unknown[]) => recorded('consoleInput', args),
    closeConsole: (...args: unknown[]) => recorded('closeConsole', args),
  } as unknown as ConvirtClient;
  return { client, calls, emit, listeners };
}

const bytes = (s: string) => new TextEncoder().encode(s);

test('data that arrives before openConsole answers is kept; other consoles are ignored', async () => {
  const { client, calls, emit } = fakeClient((emit) => {
    emit('consoleData', { consoleId: 'c1', data: bytes('early ') });
    emit('consoleData', { consoleId: 'other', data: bytes('not mine') });
  });
  const seen: string[] = [];
  const pending: Array<() => void> = [];
  const connection = await ConsoleConnection.open(
    client,
    { host: 'web1', vm: 'db2', kind: 'serial' },
    { cols: 80, rows: 24 },
    {
      data: (data, done) => {
        seen.push(new TextDecoder().decode(data));
        pending.push(done);
      },
      closed: () => undefined,
    },
  );
  emit('consoleData', { consoleId: 'c1', data: bytes('late') });
  assert.deepEqual(seen, ['early ', 'late']);
  assert.deepEqual(calls[0], [
    'openConsole',
    { host: 'web1', vm: 'db2' },
    'serial',
    { cols: 80, rows: 24 },
  ]);

  // Nothing is acknowledged before the view has processed it; then in one call.
  assert.equal(calls.filter((c) => c[0] === 'consoleAck').length, 0);
  for (const done of pending) done();
  await Promise.resolve();
  assert.deepEqual(
    calls.filter((c) => c[0] === 'consoleAck'),
    [['consoleAck', 'c1', 10]],
  );

  connection.send(bytes('x'));
  assert.deepEqual(calls.at(-1), ['consoleInput', 'c1', bytes('x')]);
});

test('closing reports null once, tells the host, and stops listening', async () => {
  const { client, calls, emit, listeners } = fakeClient(() => undefined);
  const reasons: Array<string | null> = [];
  const connection = await ConsoleConnection.open(client, { local: true }, undefined, {
    data: () => assert.fail('no data after close'),
    closed: (reason) => reasons.push(reason),
  });
  connection.close();
  connection.close();
  emit('consoleData', { consoleId: 'c1', data: bytes('x') });
  assert.deepEqual(reasons, [null]);
  assert.deepEqual(calls.at(-1), ['closeConsole', 'c1']);
  assert.equal(
    [...listeners.values()].reduce((n, s) => n + s.size, 0),
    0,
  );
});

test('the host ending the console passes its reason on', async () => {
  const { client, emit } = fakeClient(() => undefined);
  const reasons: Array<string | null> = [];
  await ConsoleConnection.open(client, { host: 'h', vm: 'v', kind: 'graphics' }, undefined, {
    data: () => undefined,
    closed: (reason) => reasons.push(reason),
  });
  emit('consoleClosed', { consoleId: 'c1', reason: 'The SSH connection to h was lost.' });
  assert.deepEqual(reasons, ['The SSH connection to h was lost.']);
});
