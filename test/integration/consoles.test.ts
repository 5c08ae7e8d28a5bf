// ConsoleManager against the real test bed: the tiny VM's serial console (type a command, read
// its answer), a 10 MB flood through a client that acknowledges slowly (the channel pauses,
// nothing is lost), the graphical console's RFB banner through a tunnel over the host's existing
// connection, close and reconnect, and a dropped connection ending its consoles with a reason.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConsoleManager, type ConsoleSink } from '../../app/main/consoles/console-manager.js';
import { PAUSE_ABOVE_BYTES, type FlowStats } from '../../app/main/consoles/flow-control.js';
import { FleetService } from '../../app/main/fleet/fleet-service.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { CONSOLE_READY } from '../../app/main/hypervisors/kvm/virsh.js';
import { Inventory } from '../../app/main/inventory/index.js';
import { HostKeyTrust } from '../../app/main/ssh/host-key-trust.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm, removeVm } from '../support/tiny-vm.js';

const bed = testbed();
const vm = `${bed.prefix}console`;
const FLOOD_BYTES = Number(process.env.CONVIRT_FLOOD_BYTES ?? 10_000_000);
/** ssh2 hands over at most one packet (32 KiB) per data event, after the pause too. */
const MAX_OVERSHOOT = 64 * 1024;

/** One client of the manager: collects each console's bytes and waits on them. */
class TestClient implements ConsoleSink {
  /** Each console's output so far, as received, and its length. */
  private readonly outputs = new Map<string, { chunks: Buffer[]; length: number }>();
  readonly closedWith = new Map<string, string | null>();
  private waiters: Array<() => void> = [];
  /** Called after each chunk arrives; acknowledges everything at once by default. */
  onChunk: (consoleId: string, bytes: number) => void;

  constructor(private readonly manager: () => ConsoleManager) {
    this.onChunk = (id, bytes) => this.manager().ack(id, bytes);
  }

  data(consoleId: string, data: Uint8Array): void {
    const output = this.outputs.get(consoleId) ?? { chunks: [], length: 0 };
    output.chunks.push(Buffer.from(data));
    output.length += data.byteLength;
    this.outputs.set(consoleId, output);
    this.onChunk(consoleId, data.byteLength);
    this.wake();
  }

  closed(consoleId: string, reason: string | null): void {
    this.closedWith.set(consoleId, reason);
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  length(consoleId: string): number {
    return this.outputs.get(consoleId)?.length ?? 0;
  }

  /** The output from byte `start` on, one char per byte (latin1); cheap for a recent start. */
  text(consoleId: string, start = 0): string {
    const output = this.outputs.get(consoleId);
    if (!output) return '';
    const tail: Buffer[] = [];
    let offset = output.length;
    for (let i = output.chunks.length - 1; i >= 0 && offset > start; i--) {
      tail.unshift(output.chunks[i]!);
      offset -= output.chunks[i]!.length;
    }
    return Buffer.concat(tail)
      .subarray(start - offset)
      .toString('latin1');
  }

  /** Resolves once `check` holds, re-checking on every event of this client. */
  until<T>(what: () => string, check: () => T | undefined | false, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Timed out waiting for ${what()}`)),
        timeoutMs,
      );
      const test = () => {
        const value = check();
        if (value) {
          clearTimeout(timer);
          resolve(value);
        } else this.waiters.push(test);
      };
      test();
    });
  }

  /**
   * Resolves with the match once `pattern` (at most 200 characters long) shows after `from`.
   * Only new output is searched each time, so a flood of megabytes stays cheap to watch.
   */
  waitFor(consoleId: string, pattern: RegExp, timeoutMs: number, from = 0): Promise<string> {
    let searched = from;
    return this.until(
      () => {
        const tail = this.text(consoleId, Math.max(0, this.length(consoleId) - 300));
        return `${pattern} (output: ${JSON.stringify(tail)})`;
      },
      () => {
        const start = Math.max(from, searched - 200);
        searched = this.length(consoleId);
        const match = pattern.exec(this.text(consoleId, start));
        return match ? match[0] : undefined;
      },
      timeoutMs,
    );
  }

  /** Types `keys` once a second until `pattern` shows (the guest's shell may still be starting). */
  async poke(consoleId: string, keys: string, pattern: RegExp, timeoutMs: number): Promise<string> {
    const from = this.length(consoleId);
    const type = () => this.manager().input(consoleId, Buffer.from(keys));
    const timer = setInterval(type, 1000);
    type();
    try {
      return await this.waitFor(consoleId, pattern, timeoutMs, from);
    } finally {
      clearInterval(timer);
    }
  }
}

/** PIDs of the sshd processes serving the test bed's connections (children of its sshd). */
function sshdChildren(): Set<number> {
  const pids = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(join('/proc', entry, 'stat'), 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === bed.sshd.pid) {
        pids.add(Number(entry));
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

/** Connections the test bed's sshd has accepted so far (each authenticates once). */
const acceptedConnections = () =>
  (readFileSync(bed.sshd.logPath, 'utf8').match(/Accepted publickey/g) ?? []).length;

test('consoles of the tiny VM through ConsoleManager', { timeout: 900_000 }, async (t) => {
  const dir = mkdtempSync(join(bed.runDir, 'consoles-'));
  const root = await connectToTestbed(bed);
  const virsh = new KvmDriver(root);
  const inventory = Inventory.open({ dataDir: dir });
  const fleet = new FleetService({
    inventory,
    trust: new HostKeyTrust({ userKnownHostsFiles: [], convirtStoreFile: join(dir, 'store') }),
  });
  const manager = new ConsoleManager({ fleet, localTerminal: false });
  t.after(async () => {
    manager.dispose();
    fleet.close();
    inventory.close();
    try {
      await removeVm(virsh, vm);
      await root.run(['rm', '-f', `${bed.imagesDir}/${vm}.qcow2`]);
    } finally {
      root.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  await defineTinyVm(root, bed, vm, 'consoles', { graphics: true });
  await virsh.start(vm);
  const sshdBefore = sshdChildren();
  await fleet.addHost(
    {
      name: 'tb',
      address: '127.0.0.1',
      port: bed.sshd.port,
      username: bed.sshd.username,
      authMethod: 'key',
      identityFile: bed.sshd.clientKeyPath,
    },
    { acceptFingerprint: bed.sshd.hostKeyFingerprint },
  );
  const client = new TestClient(() => manager);

  await t.test('the serial console runs a typed command and shows its output', async () => {
    const { consoleId } = await manager.openVmConsole(client, 'tb', vm, 'serial', {
      cols: 120,
      rows: 40,
    });
    await client.waitFor(consoleId, CONSOLE_READY, 30_000);
    await client.poke(consoleId, '\r', /consoles# /, 60_000);
    const mark = client.length(consoleId);
    // The answer is computed by the guest: the echo of what was typed cannot match.
    manager.input(consoleId, Buffer.from('echo convirt-$((6*7))-ok\r'));
    await client.waitFor(consoleId, /convirt-42-ok/, 30_000, mark);
    // The host-side pty follows the client's size (a serial line has none the guest could see).
    manager.resize(consoleId, 132, 43);
    assert.throws(() => manager.resize(consoleId, 0, 43), /Invalid console size/);

    manager.close(consoleId);
    assert.equal(client.closedWith.get(consoleId), null, 'closed at the client request: no reason');
    assert.equal(manager.openCount, 0);
    assert.throws(() => manager.input(consoleId, Buffer.from('x')), /No open console/);
  });

  await t.test(
    'a 10 MB flood to a slowly acknowledging client pauses the channel and loses nothing',
    async () => {
      const { consoleId } = await manager.openVmConsole(client, 'tb', vm, 'serial');
      t.after(() => manager.close(consoleId));
      await client.waitFor(consoleId, CONSOLE_READY, 30_000);
      await client.poke(consoleId, '\r', /consoles# /, 60_000);

      // A client slower than the guest: it acknowledges nothing until the channel has paused,
      // then everything it holds, on a later turn of the event loop; so every ~100 kB the
      // channel must pause and wait for it.
      let held = 0;
      let stalledAt: FlowStats | undefined;
      client.onChunk = (id, bytes) => {
        held += bytes;
        const stats = manager.stats(id);
        if (!stats?.paused) return;
        stalledAt ??= stats;
        const paid = held;
        held = 0;
        setImmediate(() => manager.ack(id, paid));
      };
      const mark = client.length(consoleId);
      const started = performance.now();
      // \132 is Z: the echo of the command line holds no Z, the output nothing else.
      manager.input(
        consoleId,
        Buffer.from(
          `echo S''TART; head -c ${FLOOD_BYTES} /dev/zero | tr '\\0' '\\132'; echo; echo E''ND\r`,
        ),
      );
      await client.waitFor(consoleId, /\r\nEND\r\n/, 480_000, mark);
      const seconds = (performance.now() - started) / 1000;
      const text = client.text(consoleId, mark);
      const flood = text.slice(text.indexOf('START\r\n') + 7, text.lastIndexOf('\r\nEND\r\n'));
      assert.equal(flood.length, FLOOD_BYTES, 'every byte arrived, none twice');
      assert.match(flood, /^Z+$/);
      const stats = manager.stats(consoleId)!;
      t.diagnostic(
        `flood: ${FLOOD_BYTES} bytes in ${seconds.toFixed(1)} s (${(FLOOD_BYTES / 1e6 / seconds).toFixed(2)} MB/s); ` +
          `paused ${stats.pauses} times, at most ${stats.maxUnacked} bytes unacknowledged`,
      );
      assert.ok(stalledAt && stalledAt.sent - stalledAt.acked > PAUSE_ABOVE_BYTES);
      // Each pause waited for the client: at least one per 100 kB plus a packet.
      assert.ok(
        stats.pauses >= FLOOD_BYTES / (PAUSE_ABOVE_BYTES + MAX_OVERSHOOT),
        `${stats.pauses}`,
      );
      assert.ok(stats.maxUnacked <= PAUSE_ABOVE_BYTES + MAX_OVERSHOOT, JSON.stringify(stats));
      client.onChunk = (id, bytes) => manager.ack(id, bytes);
      manager.close(consoleId);
    },
  );

  await t.test(
    'the graphical console reaches the VNC display through the host connection already open',
    async () => {
      const connection = await fleet.connections.get('tb');
      const accepted = acceptedConnections();
      const { consoleId } = await manager.openVmConsole(client, 'tb', vm, 'graphics');
      const banner = await client.waitFor(consoleId, /^RFB 003\.00\d\n/, 30_000);
      t.diagnostic(`VNC banner: ${JSON.stringify(banner)}`);
      // Both ways: answer with our version; the server lists its security types.
      const mark = client.length(consoleId);
      manager.input(consoleId, Buffer.from('RFB 003.008\n'));
      const types = await client.until(
        () => 'the security types',
        () => {
          const bytes = Buffer.from(client.text(consoleId, mark), 'latin1');
          return bytes.length >= 1 + (bytes[0] ?? 0) && bytes.length > 1 ? bytes : undefined;
        },
        30_000,
      );
      assert.ok(types[0]! > 0, 'the server offers at least one security type');

      assert.equal(await fleet.connections.get('tb'), connection, 'the same connection');
      await new Promise((r) => setTimeout(r, 200)); // let sshd's log catch up
      assert.equal(acceptedConnections(), accepted, 'no new SSH connection was opened');
      manager.close(consoleId);
    },
  );

  await t.test('a console of a VM without a VNC display, or not running, is refused', async () => {
    await assert.rejects(
      manager.openVmConsole(client, 'tb', 'no-such-vm', 'graphics'),
      /no-such-vm/,
    );
    await assert.rejects(
      manager.openVmConsole(client, 'tb', 'a;touch /tmp/x', 'serial'),
      /invalid|name/i,
    );
  });

  await t.test('a client going away closes its consoles', async () => {
    const other = new TestClient(() => manager);
    const { consoleId } = await manager.openVmConsole(other, 'tb', vm, 'serial');
    await other.waitFor(consoleId, CONSOLE_READY, 30_000);
    manager.closeAllFor(other);
    assert.equal(manager.openCount, 0);
    assert.equal(manager.stats(consoleId), undefined);
  });

  await t.test('a dropped host connection ends its consoles with a plain reason', async () => {
    const serial = await manager.openVmConsole(client, 'tb', vm, 'serial');
    const graphics = await manager.openVmConsole(client, 'tb', vm, 'graphics');
    await client.waitFor(serial.consoleId, CONSOLE_READY, 30_000);
    await client.waitFor(graphics.consoleId, /^RFB/, 30_000);
    const fleetConnection = [...sshdChildren()].filter((pid) => !sshdBefore.has(pid));
    assert.ok(fleetConnection.length > 0);
    for (const pid of fleetConnection) process.kill(pid, 'SIGKILL');
    for (const { consoleId } of [serial, graphics]) {
      const reason = await client.until(
        () => 'the console to close',
        () => client.closedWith.get(consoleId),
        30_000,
      );
      assert.match(reason ?? '', /SSH connection to .* was lost/);
    }
    assert.equal(manager.openCount, 0);
  });
});
