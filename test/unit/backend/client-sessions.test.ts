// Each client has its own session: console data goes only to the client that opened the console,
// and only it may type into it; inventory changes go to everyone; a client leaving closes its
// consoles.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsoleManager, type ConsoleSink } from '../../../app/main/consoles/console-manager.js';
import type { FleetService } from '../../../app/main/fleet/fleet-service.js';
import type { ClientEvents } from '../../../app/main/backend/convirt-backend.js';
import { tempBackend } from './temp-backend.js';

/** Records what the service asks of the console manager; opens consoles c1, c2... */
class RecordingConsoles extends ConsoleManager {
  sinks = new Map<string, ConsoleSink>();
  inputs: Array<[string, number[]]> = [];
  closedFor: ConsoleSink[] = [];
  constructor(fleet: FleetService) {
    super({ fleet, localTerminal: false });
  }
  override openVmConsole(sink: ConsoleSink) {
    const consoleId = `c${this.sinks.size + 1}`;
    this.sinks.set(consoleId, sink);
    return Promise.resolve({ consoleId });
  }
  override input(consoleId: string, data: Uint8Array) {
    this.inputs.push([consoleId, [...data]]);
  }
  override closeAllFor(sink: ConsoleSink) {
    this.closedFor.push(sink);
  }
}

function recorder() {
  const events: Array<[string, unknown]> = [];
  const emit: ClientEvents = (event, payload) => events.push([event, payload]);
  return { events, emit, names: () => events.map(([name]) => name) };
}

test('console data reaches only the client that opened the console', async (t) => {
  let consoles!: RecordingConsoles;
  const { backend, inventory } = tempBackend(
    t,
    (fleet) => (consoles = new RecordingConsoles(fleet)),
  );
  const a = recorder();
  const b = recorder();
  const sessionA = backend.attach(a.emit);
  const sessionB = backend.attach(b.emit);
  t.after(() => sessionB.close());
  inventory.hosts.add({ name: 'web1', address: '192.0.2.1', username: 'root', hypervisor: 'kvm' });

  const { consoleId } = await sessionA.service.openConsole({ host: 'web1', vm: 'db2' }, 'serial');
  consoles.sinks.get(consoleId)!.data(consoleId, new Uint8Array([104, 105]));
  assert.deepEqual(a.events, [['consoleData', { consoleId, data: new Uint8Array([104, 105]) }]]);
  assert.deepEqual(b.events, []);

  await sessionA.service.consoleInput(consoleId, new Uint8Array([10]));
  await assert.rejects(sessionB.service.consoleInput(consoleId, new Uint8Array([10])), {
    name: 'ContractError',
  });
  await assert.rejects(sessionB.service.closeConsole(consoleId));
  assert.deepEqual(consoles.inputs, [[consoleId, [10]]]);

  await sessionB.service.createGroup('Rack 1', null);
  assert.ok(a.names().includes('fleetChanged'));
  assert.ok(b.names().includes('fleetChanged'));

  const sinkA = consoles.sinks.get(consoleId)!;
  sessionA.close();
  assert.deepEqual(consoles.closedFor, [sinkA]);
});

test('the local terminal is refused unless enabled', async (t) => {
  const { backend } = tempBackend(t);
  const session = backend.attach(() => undefined);
  t.after(() => session.close());
  await assert.rejects(session.service.openLocalTerminal(), (err: { data: { code: string } }) => {
    return err.data.code === 'unauthorized';
  });
  assert.equal((await session.service.appInfo()).localTerminal, false);
});
