// Faults for the reliability tests: killing the sshd process that serves one SSH connection, an
// sshd stopped with its sessions and started again, a relay whose "network" can be cut, and
// appliances whose provision.sh takes its time.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { isAlive, mustRun, waitFor } from '../bed/process.js';
import { spawnSshd, type TestSshdInfo } from '../bed/sshd.js';
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

/** The processes under `pid`, children first found first. */
function descendants(pid: number): number[] {
  const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .map(Number)
    .filter((n) => n > 0);
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** Stops the sshd and ends its sessions, as a restart of the service with the host's sessions. */
export function stopSshdWithSessions(pid: number): void {
  const sessions = descendants(pid);
  process.kill(pid, 'SIGTERM');
  for (const session of sessions) if (isAlive(session)) process.kill(session, 'SIGKILL');
}

/** Starts a test sshd again (same config, same ports) once the old one is gone; returns its PID. */
export async function restartSshd(sshd: TestSshdInfo): Promise<number> {
  await waitFor('the old sshd to exit', () => (isAlive(sshd.pid) ? undefined : true), 10_000);
  return spawnSshd(sshd.command);
}

/** A new host key for a test sshd (as after a reinstall); returns its fingerprint. */
export async function newHostKey(sshd: TestSshdInfo): Promise<string> {
  const key = join(sshd.dir, 'host_ed25519');
  rmSync(key, { force: true });
  rmSync(`${key}.pub`, { force: true });
  await mustRun('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  return (await mustRun('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`])).split(' ')[1]!;
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
