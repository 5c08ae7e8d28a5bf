// The local terminal: a real shell in a pty (node-pty) through ConsoleManager, and its refusal
// where it is not enabled (browser mode).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsoleManager, type ConsoleSink } from '../../app/main/consoles/console-manager.js';
import type { FleetService } from '../../app/main/fleet/fleet-service.js';

/** The local terminal does not use the fleet. */
const noFleet = {} as FleetService;

test('the local terminal runs a shell, follows resizes and reports its end', async () => {
  const manager = new ConsoleManager({ fleet: noFleet, localTerminal: true });
  let output = '';
  const waiters: Array<() => void> = [];
  let closed: string | null | undefined;
  const sink: ConsoleSink = {
    data: (id, data) => {
      output += Buffer.from(data).toString('utf8');
      manager.ack(id, data.byteLength);
      for (const w of waiters.splice(0)) w();
    },
    closed: (_id, reason) => {
      closed = reason;
      for (const w of waiters.splice(0)) w();
    },
  };
  const until = (check: () => boolean) =>
    new Promise<void>((resolve) => {
      const test = () => (check() ? resolve() : waiters.push(test));
      test();
    });
  try {
    const { consoleId } = await manager.openLocalTerminal(sink, { cols: 100, rows: 30 });
    manager.input(consoleId, Buffer.from('echo local-$((6*7)); stty size\r'));
    await until(() => /local-42/.test(output) && /30 100/.test(output));
    manager.resize(consoleId, 120, 40);
    manager.input(consoleId, Buffer.from('stty size; exit 3\r'));
    await until(() => closed !== undefined);
    assert.match(output, /40 120/);
    assert.match(closed ?? '', /The local terminal ended \(exit status 3\)/);
    assert.equal(manager.openCount, 0);
  } finally {
    manager.dispose();
  }
});

test('where the local terminal is not enabled it is refused plainly', async () => {
  const manager = new ConsoleManager({ fleet: noFleet, localTerminal: false });
  const sink: ConsoleSink = { data: () => undefined, closed: () => undefined };
  await assert.rejects(manager.openLocalTerminal(sink), /local terminal is not enabled/);
  assert.equal(manager.openCount, 0);
});
