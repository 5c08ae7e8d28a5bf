// The host's download when ConVirt goes away: the script (run here, with curl against a server on
// loopback) stops curl and removes its .part once nobody reads its channel, as when sshd closes
// the channel of a ConVirt that was killed; and the task log names each .part until it is gone,
// so a task interrupted in the middle names what may be left.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ClientChannel } from 'ssh2';
import { INTERRUPTED_ERROR, MAKING_ON_HOST } from '../../../app/main/inventory/index.js';
import type { RemoteShell } from '../../../app/main/ssh/ssh-connection.js';
import {
  announcedPart,
  downloadCommand,
  progressBytes,
} from '../../../app/main/templates/host-curl.js';
import { downloadOnHosts } from '../../../app/main/templates/host-download.js';
import { fakeOwner, tempInventory } from '../inventory/temp-inventory.js';

const checksum = { algorithm: 'sha256', hex: '0'.repeat(64) } as const;

test('the download script stops curl and removes its .part once its channel is closed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'host-download-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A server that sends the first bytes of a big file, then nothing: the download never ends.
  let curlGone!: () => void;
  const served = new Promise<void>((resolve) => (curlGone = resolve));
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-length': String(64 << 20) });
    res.write(Buffer.alloc(64 << 10));
    req.socket.once('close', curlGone);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;

  const argv = downloadCommand(
    { url: `http://127.0.0.1:${port}/big.raw` },
    join(dir, 'big.raw'),
    checksum,
  );
  const script = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => script.kill('SIGKILL'));
  const exited = once(script, 'exit');
  script.stdin.end();
  const part = await new Promise<string>((resolve) => {
    let named: string | undefined;
    let pending = '';
    script.stdout.on('data', (d: Buffer) => {
      const lines = (pending + d.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        named ??= announcedPart(line);
        if (named && (progressBytes(line) ?? 0) > 0) resolve(named);
      }
    });
  });
  assert.ok(existsSync(part), `${part} is being written`);

  // ConVirt is gone: sshd closes the command's end of the channel.
  script.stdout.destroy();
  script.stderr.destroy();
  assert.deepEqual(await exited, [143, null]);
  await served;
  assert.equal(existsSync(part), false, 'its .part is removed');
});

/** A channel whose command prints `lines` once its input is closed, then exits with `code`. */
class ScriptedChannel extends EventEmitter {
  readonly stderr = new EventEmitter();
  constructor(
    private readonly lines: readonly string[],
    private readonly code: number | undefined,
  ) {
    super();
  }
  end(): void {
    setImmediate(() => {
      this.emit('data', Buffer.from(this.lines.map((line) => `${line}\n`).join('')));
      // No exit status: the connection was lost, or the command killed outright.
      if (this.code !== undefined) this.emit('exit', this.code);
      this.emit('close');
    });
  }
}

test('the task log names each .part until it is gone; an interrupted task names the rest', async (t) => {
  const attempts = [
    // The connection is lost in the middle: this .part may still be on the host.
    new ScriptedChannel(['part /pool/t.qcow2.part-h-7', 'progress 5'], undefined),
    new ScriptedChannel(['part /pool/t.qcow2.part-h-8', 'progress 10', 'downloaded', 'done 10'], 0),
  ];
  const shell = {
    target: 'root@h:22',
    openChannel: () => Promise.resolve(attempts.shift() as unknown as ClientChannel),
  } as unknown as RemoteShell;
  const log: string[] = [];
  const result = await downloadOnHosts([shell], {
    urls: ['http://images.example/t.qcow2'],
    checksum,
    dest: '/pool/t.qcow2',
    log: (line) => log.push(line),
  });
  assert.equal(result.size, 10);
  assert.ok(log.includes(`${MAKING_ON_HOST}file /pool/t.qcow2.part-h-7`), log.join('\n'));

  // The same log in a task whose process is gone: only the first .part is named.
  const { tasks } = tempInventory(t, { owner: fakeOwner('gone', []) });
  const id = tasks.create({ kind: 'template.deploy', target: 't@pool' }).id;
  tasks.start(id);
  for (const line of log) tasks.appendLog(id, 'info', line);
  assert.equal(tasks.markInterrupted(), 1);
  assert.equal(
    tasks.get(id)?.error,
    `${INTERRUPTED_ERROR}; it may have left on the host: file /pool/t.qcow2.part-h-7`,
  );
});
