// The server end of browser mode's WebSocket, over a fake socket: results and events the contract
// declares a packing for go out packed (a broadcast event packed once for every client), others
// as they are; a result that cannot be packed is answered with an error, never left hanging.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { WebSocket } from 'ws';
import { serveOverWebSocket } from '../../../app/main/contract-server/websocket-transport.js';
import {
  event,
  method,
  type EventSink,
  type Packing,
} from '../../../app/shared/contract/define.js';
import { decodeWire, encodeWire } from '../../../app/shared/contract/wire.js';

let packed = 0;
const listPacking: Packing<number[]> = {
  pack: (list) => {
    packed++;
    return { count: list.length, items: list.join(',') };
  },
  unpack: () => [],
};
const contract = {
  methods: {
    numbers: method<number[]>(listPacking)(),
    plain: method<number[]>()(),
    broken: method<number[]>(listPacking)(),
  },
  events: { counted: event<number[]>(listPacking), said: event<string>() },
};

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  sent: unknown[] = [];
  send(text: string) {
    this.sent.push(decodeWire(text));
  }
  close() {
    this.readyState = 3;
  }
  call(id: number, name: string) {
    this.emit('message', Buffer.from(encodeWire({ id, method: name, args: [] })), false);
  }
}

function serve() {
  const socket = new FakeSocket();
  let emit: EventSink<typeof contract> = () => undefined;
  serveOverWebSocket(socket as unknown as WebSocket, contract, (sink) => {
    emit = sink;
    return {
      service: {
        numbers: () => Promise.resolve([1, 2, 3]),
        plain: () => Promise.resolve([4]),
        broken: () => Promise.resolve(null as unknown as number[]),
      },
      close: () => undefined,
    };
  });
  return { socket, emit: (...args: Parameters<typeof emit>) => emit(...args) };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

test('declared results go out packed, others as they are, a failed packing as an error', async () => {
  const { socket } = serve();
  socket.call(1, 'numbers');
  socket.call(2, 'plain');
  socket.call(3, 'broken');
  socket.call(4, 'constructor');
  await settled();
  const byId = new Map(socket.sent.map((m) => [(m as { id: number }).id, m]));
  assert.deepEqual(byId.get(1), { id: 1, result: { count: 3, items: '1,2,3' } });
  assert.deepEqual(byId.get(2), { id: 2, result: [4] });
  assert.equal((byId.get(3) as { error: { code: string } }).error.code, 'failed');
  assert.equal((byId.get(4) as { error: { code: string } }).error.code, 'invalid-input');
});

test('a broadcast event is packed once for all clients; a plain one is sent as it is', () => {
  const clients = [serve(), serve(), serve()];
  const payload = [7, 8];
  packed = 0;
  for (const client of clients) client.emit('counted', payload);
  for (const client of clients) client.emit('said', 'hello');
  assert.equal(packed, 1);
  for (const { socket } of clients) {
    assert.deepEqual(socket.sent, [
      { event: 'counted', payload: { count: 2, items: '7,8' } },
      { event: 'said', payload: 'hello' },
    ]);
  }
  // A payload its packing cannot take is not sent (the client's numbered events show a gap).
  const { socket, emit } = serve();
  emit('counted', null as unknown as number[]);
  assert.deepEqual(socket.sent, []);
});
