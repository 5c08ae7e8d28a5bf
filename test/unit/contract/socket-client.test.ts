// The WebSocket contract client, over a fake socket: calls and answers, events, a dropped
// connection (calls in flight fail plainly, it reconnects and replays the focus).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convirtContract } from '../../../app/shared/contract/convirt-contract.js';
import {
  CONNECTION_LOST,
  connectSocketClient,
  type ConnectionState,
  type SocketLike,
} from '../../../app/shared/contract/socket-client.js';
import { decodeWire, encodeWire } from '../../../app/shared/contract/wire.js';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Array<{ id: number; method: string; args: unknown[] }> = [];
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  send(data: string) {
    this.sent.push(decodeWire(data) as FakeSocket['sent'][number]);
  }
  close() {
    this.drop();
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
  deliver(message: unknown) {
    this.onmessage?.({ data: encodeWire(message) });
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const retries: Array<() => void> = [];
  const pending = connectSocketClient(convirtContract, {
    open: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    later: (fn) => retries.push(fn),
    replay: ['setFocus'],
  });
  return { sockets, retries, pending };
}

test('calls carry the method and arguments; answers and errors come back', async () => {
  const { sockets, pending } = harness();
  sockets[0]!.open();
  const client = await pending;
  const fleet = client.getFleet();
  const removed = client.removeHost('web9');
  const tasks = client.listTasks(undefined);
  const [a, b, c] = sockets[0]!.sent;
  assert.deepEqual(a, { id: 1, method: 'getFleet', args: [] });
  assert.deepEqual(b, { id: 2, method: 'removeHost', args: ['web9'] });
  assert.deepEqual(c, { id: 3, method: 'listTasks', args: [] }, 'trailing undefined dropped');
  sockets[0]!.deliver({ id: 2, error: { code: 'not-found', message: 'No host named web9.' } });
  sockets[0]!.deliver({ id: 1, result: { groups: [], hosts: [], vms: { fields: [], rows: [] } } });
  sockets[0]!.deliver({ id: 3, result: [] });
  assert.deepEqual(await fleet, { groups: [], hosts: [], vms: [] });
  await assert.rejects(removed, { name: 'ContractError', message: 'No host named web9.' });
  assert.deepEqual(await tasks, []);
});

test('events reach their listeners until they unsubscribe', async () => {
  const { sockets, pending } = harness();
  sockets[0]!.open();
  const client = await pending;
  const seen: unknown[] = [];
  const off = client.on('consoleData', ({ data }) => seen.push([...data]));
  sockets[0]!.deliver({
    event: 'consoleData',
    payload: { consoleId: 'c', data: new Uint8Array([1, 2]) },
  });
  off();
  sockets[0]!.deliver({
    event: 'consoleData',
    payload: { consoleId: 'c', data: new Uint8Array([3]) },
  });
  assert.deepEqual(seen, [[1, 2]]);
});

test('packed results and events come unpacked; a malformed one fails plainly', async () => {
  const { sockets, pending } = harness();
  sockets[0]!.open();
  const client = await pending;
  const vm = { name: 'a', host: 'web1', state: 'running', tags: [] };
  const fleet = client.getFleet();
  const broken = client.getFleet();
  const polls: unknown[] = [];
  client.on('hostPolled', (event) => polls.push(event));
  const vms = { fields: Object.keys(vm), rows: [Object.values(vm)] };
  sockets[0]!.deliver({ id: 1, result: { groups: [], hosts: [], vms, seq: 3 } });
  sockets[0]!.deliver({ id: 2, result: { groups: [], hosts: [], vms: [vm], seq: 3 } });
  sockets[0]!.deliver({ event: 'hostPolled', payload: { host: 'web1', changedVms: vms, seq: 4 } });
  sockets[0]!.deliver({ event: 'hostPolled', payload: { host: 'web1', changedVms: 'x', seq: 5 } });
  assert.deepEqual(await fleet, { groups: [], hosts: [], vms: [vm], seq: 3 });
  await assert.rejects(broken, {
    name: 'ContractError',
    message: 'getFleet: Malformed packed records: fields or rows missing.',
  });
  assert.deepEqual(
    polls,
    [{ host: 'web1', changedVms: [vm], seq: 4 }],
    'the malformed one dropped',
  );
});

test('a dropped connection fails calls in flight plainly, reconnects and replays the focus', async () => {
  const { sockets, retries, pending } = harness();
  sockets[0]!.open();
  const client = await pending;
  const states: Array<[ConnectionState, string | null]> = [];
  client.onConnectionChange((state, error) => states.push([state, error]));
  const focus = client.setFocus(['web1']);
  const inFlight = client.getFleet();
  sockets[0]!.drop();
  await assert.rejects(focus, { message: CONNECTION_LOST });
  await assert.rejects(inFlight, { message: CONNECTION_LOST });
  await assert.rejects(client.getFleet(), (err: { data: { code: string } }) => {
    return err.data.code === 'connection-lost';
  });
  assert.deepEqual(states, [['reconnecting', CONNECTION_LOST]]);
  assert.equal(retries.length, 1);
  retries[0]!();
  sockets[1]!.open();
  assert.deepEqual(states.at(-1), ['connected', null]);
  assert.deepEqual(sockets[1]!.sent, [{ id: 3, method: 'setFocus', args: [['web1']] }]);
});

test('a first connection that fails rejects connect() with a plain error', async () => {
  const { sockets, pending } = harness();
  sockets[0]!.drop();
  await assert.rejects(pending, /Cannot reach ConVirt/);
});
