// Simulated hosts for the benchmarks: libvirt test-driver files (one per host, M domains each)
// that `virsh -c test:///FILE` reads through the test bed's real sshd, as a real host would answer.
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A libvirt test-driver host: `vmCount` domains, most running, some paused or shut off. */
export function simulatedHostXml(host: number, vmCount: number): string {
  const domains = Array.from({ length: vmCount }, (_, i) => {
    const runstate = i % 10 === 9 ? 5 : i % 10 === 8 ? 3 : 1;
    return (
      `<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>` +
      `<name>h${host}-vm${i}</name><uuid>${randomUUID()}</uuid>` +
      `<memory>262144</memory><currentMemory>262144</currentMemory><vcpu>2</vcpu>` +
      `<os><type arch='i686'>hvm</type></os>` +
      `<test:runstate>${runstate}</test:runstate></domain>`
    );
  }).join('');
  return (
    `<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>8</cores><threads>1</threads>` +
    `<mhz>2000</mhz><model>i686</model></cpu><memory>16777216</memory>${domains}</node>`
  );
}

/** Writes hosts `sim0..sim{N-1}` into `dir`; returns each host's libvirt URI. */
export function writeSimulatedHosts(
  dir: string,
  hostCount: number,
  vmCount: number,
): Map<string, string> {
  const uris = new Map<string, string>();
  for (let i = 0; i < hostCount; i++) {
    const file = join(dir, `sim${i}.xml`);
    writeFileSync(file, simulatedHostXml(i, vmCount));
    uris.set(`sim${i}`, `test://${file}`);
  }
  return uris;
}

/** The middle value (upper middle for an even count). */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const statFields = (stat: string) => stat.slice(stat.lastIndexOf(')') + 2).split(' ');

/**
 * Every process's /proc/PID/stat fields after its command name (which is in parentheses and may
 * hold spaces): index 1 is the parent PID, 11-14 utime, stime, cutime and cstime (proc(5)'s
 * fields 4 and 14-17).
 */
export function processStats(): Map<number, string[]> {
  const stats = new Map<number, string[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    stats.set(Number(entry), statFields(stat));
  }
  return stats;
}

/**
 * CPU seconds used so far by the processes under `rootPid` (the test bed's sshd: its
 * per-connection children and the simulated hosts' commands), reaped children included. On the
 * test machine the simulated hosts share the manager's cores, so this says how much of a
 * refresh's wall time is the hosts' work rather than the manager's.
 */
export function descendantsCpuSeconds(rootPid: number): number {
  const parents = new Map<number, number>();
  const ticks = new Map<number, number>();
  const reapedTicks = new Map<number, number>();
  for (const [pid, fields] of processStats()) {
    parents.set(pid, Number(fields[1]));
    ticks.set(
      pid,
      fields.slice(11, 15).reduce((sum, t) => sum + Number(t), 0),
    );
    reapedTicks.set(pid, Number(fields[13]) + Number(fields[14]));
  }
  const under = (pid: number) => isUnder(parents, pid, rootPid);
  // The root's own CPU is the listener's; its reaped children's (cutime, cstime) are sessions.
  let total = reapedTicks.get(rootPid) ?? 0;
  for (const [pid, t] of ticks) if (pid !== rootPid && under(pid)) total += t;
  return total / CLOCK_TICKS_PER_SECOND;
}

function isUnder(parents: ReadonlyMap<number, number>, pid: number, rootPid: number): boolean {
  for (let p = pid, hops = 0; p > 1 && hops < 64; p = parents.get(p) ?? 0, hops++) {
    if (p === rootPid) return true;
  }
  return false;
}

/** Each process's parent, from one read of /proc. */
function parentsNow(): Map<number, number> {
  return new Map([...processStats()].map(([p, fields]) => [p, Number(fields[1])]));
}

/** Whether `pid` is `rootPid` or runs under it. */
export function isDescendant(pid: number, rootPid: number): boolean {
  return isUnder(parentsNow(), pid, rootPid);
}

/** The processes under `rootPid` (itself excluded), from one read of /proc. */
export function descendantPids(rootPid: number): number[] {
  const parents = parentsNow();
  return [...parents.keys()].filter((pid) => pid !== rootPid && isUnder(parents, pid, rootPid));
}

/** CPU seconds one process has used so far (its own, not its children's). */
export function processCpuSeconds(pid: number): number {
  const fields = statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Linux's USER_HZ, the unit of /proc/PID/stat's times (100 on every mainstream architecture). */
const CLOCK_TICKS_PER_SECOND = 100;
