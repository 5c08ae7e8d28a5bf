// Every method of the contract is served, and nothing else is: by the service implementation, by
// the Electron IPC registration and by the preload's object. Also: IPC refuses foreign frames
// and parses arguments in main before the service sees them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { servingGaps } from '../../../app/main/contract-server/dispatch.js';
import {
  isTrustedFrame,
  registerContractIpc,
  type InvokeEvent,
  type IpcMainLike,
} from '../../../app/main/electron/contract-ipc.js';
import { buildContractBridge } from '../../../app/preload/contract-bridge.js';
import {
  convirtContract,
  type ConvirtService,
} from '../../../app/shared/contract/convirt-contract.js';
import { IPC_EVENT_CHANNEL, ipcCallChannel } from '../../../app/shared/contract/ipc-channels.js';
import { tempBackend } from '../backend/temp-backend.js';

const declared = Object.keys(convirtContract.methods).sort();
const RENDERER = 'file:///opt/convirt/dist/renderer/index.html';

test('servingGaps finds a method declared but not served, and one served but not declared', () => {
  const contract = { methods: { a: { args: [] }, b: { args: [] } }, events: {} };
  assert.deepEqual(servingGaps(contract, { a: () => 1, extra: () => 2, data: 3 }), {
    missing: ['b'],
    undeclared: ['extra'],
  });
});

test('the service implementation serves exactly the declared methods', (t) => {
  const session = tempBackend(t).backend.attach(() => undefined);
  t.after(() => session.close());
  assert.deepEqual(servingGaps(convirtContract, session.service), {
    missing: [],
    undeclared: [],
  });
});

function fakeIpcMain() {
  const handlers = new Map<string, (event: InvokeEvent, ...args: unknown[]) => unknown>();
  const ipc: IpcMainLike = {
    handle: (channel, listener) => {
      assert.ok(!handlers.has(channel), `${channel} registered twice`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  return { ipc, handlers };
}

const frame = (url: string, parent: unknown = null): InvokeEvent => ({
  sender: { id: 7 },
  senderFrame: { url, parent },
});

test('IPC registers one handler per declared method, and removes them all', () => {
  const { ipc, handlers } = fakeIpcMain();
  const remove = registerContractIpc(ipc, {
    contract: convirtContract,
    serviceFor: () => undefined,
    rendererUrl: RENDERER,
  });
  assert.deepEqual([...handlers.keys()].sort(), declared.map(ipcCallChannel).sort());
  remove();
  assert.equal(handlers.size, 0);
});

test('IPC checks the sender frame and parses arguments in main', async () => {
  const { ipc, handlers } = fakeIpcMain();
  const calls: unknown[][] = [];
  const service = {
    vmAction: (...args: unknown[]) => {
      calls.push(args);
      return Promise.resolve({ id: 'task' });
    },
  } as unknown as ConvirtService;
  registerContractIpc(ipc, {
    contract: convirtContract,
    serviceFor: (id) => (id === 7 ? service : undefined),
    rendererUrl: RENDERER,
  });
  const vmAction = handlers.get(ipcCallChannel('vmAction'))!;
  const ref = { host: 'web1', vm: 'db2' };

  assert.deepEqual(await vmAction(frame(RENDERER), ref, 'start'), { result: { id: 'task' } });
  assert.deepEqual(calls, [[ref, 'start']]);

  for (const event of [
    frame('https://evil.example/index.html'),
    frame('file:///tmp/other.html'),
    frame(RENDERER, { url: RENDERER }), // a subframe
    { sender: { id: 7 }, senderFrame: null },
    { ...frame(RENDERER), sender: { id: 8 } }, // not one of our windows
  ]) {
    const outcome = (await vmAction(event, ref, 'start')) as { error: { code: string } };
    assert.equal(outcome.error.code, 'unauthorized', JSON.stringify(event));
  }
  const bad = (await vmAction(frame(RENDERER), { host: 'web1', vm: 'x;reboot' }, 'start')) as {
    error: { code: string; field: string };
  };
  assert.equal(bad.error.code, 'invalid-input');
  assert.equal(bad.error.field, 'vmAction#1.vm');
  assert.equal(calls.length, 1, 'the service never saw the bad call');
});

test('isTrustedFrame accepts only the renderer file in a main frame', () => {
  assert.equal(isTrustedFrame({ url: `${RENDERER}#/hosts`, parent: null }, RENDERER), true);
  assert.equal(isTrustedFrame({ url: 'not a url', parent: null }, RENDERER), false);
  assert.equal(
    isTrustedFrame(
      { url: 'http://127.0.0.1/opt/convirt/dist/renderer/index.html', parent: null },
      RENDERER,
    ),
    false,
  );
});

test('the preload object has exactly the declared methods plus on(), over their channels', async () => {
  const invoked: Array<[string, unknown[]]> = [];
  let emit: (event: unknown, ...args: unknown[]) => void = () => undefined;
  const bridge = buildContractBridge(convirtContract, {
    invoke: (channel, ...args) => {
      invoked.push([channel, args]);
      return Promise.resolve(
        channel === ipcCallChannel('removeHost')
          ? { error: { code: 'not-found', message: 'No host named web9.' } }
          : { result: 'ok' },
      );
    },
    on: (channel, listener) => {
      assert.equal(channel, IPC_EVENT_CHANNEL);
      emit = listener;
    },
  });
  assert.equal(typeof bridge.on, 'function');
  const methods = Object.fromEntries(Object.entries(bridge).filter(([name]) => name !== 'on'));
  assert.deepEqual(servingGaps(convirtContract, methods), { missing: [], undeclared: [] });

  assert.equal(await bridge.getFleet(), 'ok');
  await assert.rejects(bridge.removeHost('web9'), { code: 'not-found' });
  assert.deepEqual(invoked, [
    [ipcCallChannel('getFleet'), []],
    [ipcCallChannel('removeHost'), ['web9']],
  ]);

  const seen: unknown[] = [];
  const off = bridge.on('fleetChanged', (payload) => seen.push(payload));
  emit({}, 'fleetChanged', { removedHosts: ['web9'] });
  emit({}, 'taskUpdated', { id: 'x' });
  off();
  emit({}, 'fleetChanged', { removedHosts: ['web8'] });
  assert.deepEqual(seen, [{ removedHosts: ['web9'] }]);
});
