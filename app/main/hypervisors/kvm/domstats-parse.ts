// Parsers for what one poll of a libvirt host prints: `virsh list --all --uuid --name` followed by
// `virsh domstats`, both in one virsh process (see KvmDriver.pollArgv).
import type { GuestInfo, GuestInterface, VmState } from '../../../shared/domain/vm.js';
import type { PolledVm } from '../driver.js';

/** virDomainState numbers, as domstats prints them in state.state. */
const STATE_BY_NUMBER: Record<number, VmState> = {
  0: 'unknown', // no state
  1: 'running',
  2: 'running', // blocked on a resource
  3: 'paused',
  4: 'running', // being shut down
  5: 'shutoff',
  6: 'crashed',
  7: 'pmsuspended',
};

function num(fields: Map<string, string>, key: string): number | null {
  const raw = fields.get(key);
  if (raw === undefined) return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}

/** Sums `<prefix>.<i>.<suffix>` over `<prefix>.count` devices; null when none report it. */
function sumDevices(fields: Map<string, string>, prefix: string, suffix: string): number | null {
  const count = num(fields, `${prefix}.count`) ?? 0;
  let total: number | null = null;
  for (let i = 0; i < count; i++) {
    const value = num(fields, `${prefix}.${i}.${suffix}`);
    if (value !== null) total = (total ?? 0) + value;
  }
  return total;
}

const DOMAIN_HEADER = "Domain: '";
const UUID_NAME = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) (.+)$/i;

/** Each line of `text`, without building the array of them (a poll's output is read per host). */
function* lines(text: string): Generator<string> {
  for (let start = 0; start <= text.length;) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    yield text.slice(start, stop);
    start = stop + 1;
  }
}

/** Splits `virsh domstats` output into one key/value map per domain. */
export function parseDomstats(text: string): Map<string, Map<string, string>> {
  const domains = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of lines(text)) {
    // A header is `Domain: 'NAME'`; the name may hold anything but a line break.
    if (
      line.startsWith(DOMAIN_HEADER) &&
      line.endsWith("'") &&
      line.length > DOMAIN_HEADER.length
    ) {
      current = new Map();
      domains.set(line.slice(DOMAIN_HEADER.length, -1), current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0) current.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return domains;
}

/** `virsh list --all --uuid --name` lines: `UUID NAME`. */
export function parseUuidNameList(text: string): Map<string, string> {
  const uuidByName = new Map<string, string>();
  for (const line of lines(text)) {
    const trimmed = line.trim();
    // Most lines of a poll are domstats' `key=value`: only a UUID's shape is matched further.
    if (trimmed.length < 38 || trimmed[8] !== '-') continue;
    const m = UUID_NAME.exec(trimmed);
    if (m) uuidByName.set(m[2]!, m[1]!);
  }
  return uuidByName;
}

export function parseKvmPoll(stdout: string): PolledVm[] {
  const uuidByName = parseUuidNameList(stdout);
  const vms: PolledVm[] = [];
  for (const [name, f] of parseDomstats(stdout)) {
    const state = STATE_BY_NUMBER[num(f, 'state.state') ?? 0] ?? 'unknown';
    const balloon = num(f, 'balloon.current') ?? num(f, 'balloon.maximum');
    const maxKiB = num(f, 'balloon.maximum');
    vms.push({
      name,
      uuid: uuidByName.get(name) ?? null,
      state,
      vcpus: num(f, 'vcpu.current') ?? num(f, 'vcpu.maximum') ?? 0,
      memoryMiB: balloon === null ? 0 : Math.round(balloon / 1024),
      maxMemoryMiB: maxKiB === null ? null : Math.round(maxKiB / 1024),
      // A stopped domain keeps no meaningful CPU counter.
      cpuTimeNs: state === 'shutoff' ? null : num(f, 'cpu.time'),
      diskReadBytes: sumDevices(f, 'block', 'rd.bytes'),
      diskWriteBytes: sumDevices(f, 'block', 'wr.bytes'),
      netRxBytes: sumDevices(f, 'net', 'rx.bytes'),
      netTxBytes: sumDevices(f, 'net', 'tx.bytes'),
    });
  }
  return vms;
}

/** `virsh guestinfo --os --interface --hostname` key/value output. */
export function parseGuestInfo(text: string): GuestInfo {
  const f = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([^:]+?)\s*:\s*(.*)$/.exec(line);
    if (m) f.set(m[1]!, m[2]!.trim());
  }
  const interfaces: GuestInterface[] = [];
  const count = Number(f.get('if.count') ?? 0);
  for (let i = 0; i < count; i++) {
    const addresses: string[] = [];
    const addrCount = Number(f.get(`if.${i}.addr.count`) ?? 0);
    for (let j = 0; j < addrCount; j++) {
      const addr = f.get(`if.${i}.addr.${j}.addr`);
      const prefix = f.get(`if.${i}.addr.${j}.prefix`);
      if (addr) addresses.push(prefix ? `${addr}/${prefix}` : addr);
    }
    interfaces.push({
      name: f.get(`if.${i}.name`) ?? `if${i}`,
      mac: f.get(`if.${i}.hwaddr`) ?? null,
      addresses,
    });
  }
  return {
    osName: f.get('os.pretty-name') ?? f.get('os.name') ?? null,
    kernelRelease: f.get('os.kernel-release') ?? null,
    hostname: f.get('hostname') ?? null,
    interfaces,
  };
}
