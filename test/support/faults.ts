// Faults for the reliability tests: killing the sshd process that serves one SSH connection, a
// relay whose "network" can be cut, and appliances whose provision.sh takes its time.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { TestbedInfo } from '../bed/testbed.js';

const root = join(import.meta.dirname, '../..');

interface TcpEnd {
  local: number;
  peer: number;
  pids: number[];
}

/** Established TCP connections from or to `port` (`ss`), with the processes holding them. */
function established(filter: 'sport' | 'dport', port: number): TcpEnd[] {
  const out = spawnSync('ss', ['-Htnp', 'state', 'established', `( ${filter} = :${port} )`], {
    encoding: 'utf8',
  }).stdout;
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, , local = '', peer = ''] = line.trim().split(/\s+/);
      return {
        local: Number(local.split(':').at(-1)),
        peer: Number(peer.split(':').at(-1)),
        pids: [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])),
      };
    });
}

/**
 * Kills (SIGKILL) the sshd processes serving this process's connections to `sshdPort`, as when
 * the host's sshd child for a session dies; returns their PIDs.
 */
export function killSshdChildrenOf(sshdPort: number, clientPid = process.pid): number[] {
  const ours = new Set(
    established('dport', sshdPort)
      .filter((end) => end.pids.includes(clientPid))
      .map((end) => end.local),
  );
  const pids = established('sport', sshdPort)
    .filter((end) => ours.has(end.peer))
    .flatMap((end) => end.pids);
  for (const pid of new Set(pids)) process.kill(pid, 'SIGKILL');
  return [...new Set(pids)];
}

/**
 * A TCP relay to 127.0.0.1:`target`, standing for the network between ConVirt and a host.
 * cut(): nothing passes any more, in either direction, and new connections are accepted but
 * never answered (a cable pulled, a firewall dropping packets); restore() lets new ones through.
 */
export class NetworkRelay {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private isCut = false;
  port = 0;

  constructor(private readonly target: number) {
    this.server = createServer((client) => this.relay(client));
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  private relay(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    if (this.isCut) return;
    const upstream = connect(this.target, '127.0.0.1');
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    const pass = (from: Socket, to: Socket) =>
      from.on('data', (d: Buffer) => {
        if (!this.isCut) to.write(d);
      });
    pass(client, upstream);
    pass(upstream, client);
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  }

  cut(): void {
    this.isCut = true;
  }

  restore(): void {
    this.isCut = false;
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
  }
}

/**
 * An appliance of a store under `storeDir`: tiny-linux (the test bed's built files) with its own
 * provision.sh. Returns its folder.
 */
export function ownAppliance(
  bed: TestbedInfo,
  storeDir: string,
  name: string,
  provisionSh: string,
): string {
  const own = join(storeDir, name);
  cpSync(join(root, 'image_store', 'tiny-linux'), own, { recursive: true });
  writeFileSync(
    join(own, 'image.conf'),
    readFileSync(join(own, 'image.conf'), 'utf8').replace(
      /^(kernel_src|ramdisk_src|vda_image_src) = (.*)$/gm,
      (_m, key: string, file: string) => `${key} = ${join(bed.appliances, 'tiny-linux', file)}`,
    ),
  );
  writeFileSync(join(own, 'provision.sh'), provisionSh);
  return own;
}

/** The things a task's log says it could not remove ("Could not remove:" lines). */
export function notRemoved(log: string): string[] {
  const block = /Could not remove:\n((?: {2}.*\n?)+)/.exec(log)?.[1] ?? '';
  return block
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim().replace(/: .*$/s, ''));
}
