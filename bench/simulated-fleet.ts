// Simulated hosts for the benchmarks: libvirt test-driver files (one per host, M domains each)
// that `virsh -c test:///FILE` reads through the test bed's real sshd, as a real host would answer.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
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
