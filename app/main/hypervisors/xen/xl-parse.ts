// Pure parsers for what Xen's toolstack prints: `xl list -l` (JSON), `xl list`, `xentop -b`
// and `xl info`, plus the merge of the three listings into one poll. No I/O here; every parser
// is tested on real captures in test/fixtures/xen/.
import type { VmState } from '../../../shared/domain/vm.js';
import { validateVmName } from '../../../shared/validation/names.js';
import type { PolledVm } from '../driver.js';

/** Dom0 is the host itself, never a VM. */
export const DOM0_NAME = 'Domain-0';

/**
 * A domain's state letters to a ConVirt state. `xl list` prints `rbps`, then the shutdown
 * reason (`-rscwS`: poweroff, reboot, suspend, crash, watchdog, soft reset; `?` unknown), then
 * `d`; xentop prints `dsbcpr`. So the letters are read wherever they stand: a crash wins over
 * the shutdown that comes with it, and a domain with no letter is idle, hence running.
 */
export function xenStateFromFlags(flags: string): VmState {
  const f = flags.trim();
  if (!/^[-rbpscdwS?]{6}$/.test(f)) return 'unknown';
  if (f.includes('c')) return 'crashed';
  if (f.includes('d') || f.includes('s')) return 'shutoff';
  if (f.includes('p')) return 'paused';
  return 'running';
}

/** One domain of `xl list -l`: the libxl domain configuration, sizes in MiB. */
export interface XlDomainConfig {
  domid: number | null;
  name: string;
  uuid: string | null;
  /** `pv`, `pvh` or `hvm`. */
  type: string | null;
  maxVcpus: number | null;
  /** vCPUs brought up at boot (b_info.avail_vcpus is the list of their numbers). */
  availVcpus: number | null;
  targetMemoryMiB: number | null;
  maxMemoryMiB: number | null;
  /** The disks' backing paths in dom0 (files or block devices), `pdev_path` in libxl's terms. */
  disks: string[];
}

type JsonObject = Record<string, unknown>;

const asObject = (v: unknown): JsonObject | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;

// libxl writes "unset" sizes as ~0 (LIBXL_MEMKB_DEFAULT), which no double holds exactly.
const count = (v: unknown): number | null =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** KiB to MiB, rounded down as `xl list` does. */
const kibToMiB = (kib: number | null): number | null =>
  kib === null ? null : Math.floor(kib / 1024);

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Parses `xl list -l`. Domains whose configuration xl could not read are simply absent. */
export function parseXlListLong(json: string): XlDomainConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    // xl prints SXP instead when /etc/xen/xl.conf sets output_format="sxp".
    throw new Error(
      `xl list -l did not print JSON (is output_format="sxp" set in xl.conf?): ${json.trim().slice(0, 80)}`,
    );
  }
  if (!Array.isArray(parsed)) throw new Error('xl list -l did not print a JSON array.');
  const out: XlDomainConfig[] = [];
  for (const item of parsed as unknown[]) {
    const entry = asObject(item);
    const config = asObject(entry?.config);
    const cInfo = asObject(config?.c_info);
    const bInfo = asObject(config?.b_info);
    const name = text(cInfo?.name);
    if (!entry || !name) continue;
    const uuid = text(cInfo?.uuid);
    const avail = bInfo?.avail_vcpus;
    out.push({
      domid: count(entry.domid),
      name,
      uuid: uuid === NIL_UUID ? null : uuid,
      type: text(cInfo?.type),
      maxVcpus: count(bInfo?.max_vcpus),
      availVcpus: Array.isArray(avail) ? avail.length : null,
      targetMemoryMiB: kibToMiB(count(bInfo?.target_memkb)),
      maxMemoryMiB: kibToMiB(count(bInfo?.max_memkb)),
      ...parseDomainConfig(config),
    });
  }
  return out;
}

/**
 * The parts of one libxl domain configuration that do not depend on a running domain: what
 * `xl create -n` (a dry run) prints for a config file, and each `config` of `xl list -l`.
 */
export function parseDomainConfig(config: unknown): { disks: string[] } {
  const disks = asObject(config)?.disks;
  return {
    disks: (Array.isArray(disks) ? disks : [])
      .map((d) => text(asObject(d)?.pdev_path))
      .filter((p): p is string => p !== null),
  };
}

/** Parses what `xl create -n CONFIG` prints: the configuration as libxl would build it. */
export function parseXlDryRun(json: string): { disks: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`xl create -n did not print JSON: ${json.trim().slice(0, 80)}`);
  }
  return parseDomainConfig(parsed);
}

/** One row of plain `xl list` (or `xl list -v`, whose extra columns are ignored). */
export interface XlListRow {
  name: string;
  domid: number;
  memoryMiB: number;
  vcpus: number;
  flags: string;
  state: VmState;
  /** Printed with 0.1 s resolution, ten times finer than xentop's CPU(sec). */
  cpuTimeNs: number;
}

// Names are left-aligned in a 40-column field but may be longer or hold spaces, so a row is
// read from its fixed columns: ID, Mem, VCPUs, State, Time(s).
const XL_LIST_ROW =
  /^(.+?)\s+(\d+)\s+(\d+)\s+(\d+)\s+([-rbpscdwS?]{6})\s+(\d+(?:\.\d+)?)(?:\s.*)?$/;

export function parseXlList(output: string): XlListRow[] {
  const rows: XlListRow[] = [];
  for (const line of output.split('\n')) {
    const m = XL_LIST_ROW.exec(line.trimEnd());
    if (!m) continue;
    rows.push({
      name: m[1]!.trim(),
      domid: Number(m[2]),
      memoryMiB: Number(m[3]),
      vcpus: Number(m[4]),
      flags: m[5]!,
      state: xenStateFromFlags(m[5]!),
      cpuTimeNs: Math.round(Number(m[6]) * 1e9),
    });
  }
  return rows;
}

/** One domain row of `xentop -b`, in ConVirt's units. */
export interface XentopRow {
  name: string;
  flags: string;
  state: VmState;
  /** CPU(sec) is whole seconds. */
  cpuTimeNs: number | null;
  memoryMiB: number | null;
  /** Null when xentop prints `no limit` (dom0 without dom0_mem=max:). */
  maxMemoryMiB: number | null;
  vcpus: number | null;
  nets: number | null;
  netTxBytes: number | null;
  netRxBytes: number | null;
  vbds: number | null;
  /** VBD_RD and VBD_WR count requests, not bytes. */
  diskReadRequests: number | null;
  diskWriteRequests: number | null;
  /** VBD_RSECT/VBD_WSECT × 512; null on xentop versions without those columns. */
  diskReadBytes: number | null;
  diskWriteBytes: number | null;
}

const XENTOP_HEADER = /^\s*NAME\s+STATE\s/;
const XENTOP_VALUE = String.raw`(no limit|n\/a|\d+(?:\.\d+)?)`;
const SECTOR_BYTES = 512;

function xentopRowPattern(columns: string[]): RegExp {
  // Columns after NAME and STATE are all numbers (or `no limit` / `n/a`); reading them from the
  // end of the line lets names hold spaces, as xentop -f prints them.
  const values = columns.slice(2).map(() => String.raw`\s+${XENTOP_VALUE}`);
  return new RegExp(String.raw`^\s*(.+?)\s+([-dsbcpr]{6})${values.join('')}\s*$`);
}

/**
 * Parses `xentop -b` output. With several iterations (or -r, a header before every row) the
 * last row printed for a name wins; summary, VCPU, network and VBD detail lines are skipped.
 */
export function parseXentopBatch(output: string): XentopRow[] {
  const rows = new Map<string, XentopRow>();
  let columns: string[] = [];
  let pattern: RegExp | null = null;
  for (const line of output.split('\n')) {
    if (XENTOP_HEADER.test(line)) {
      const next = line.trim().split(/\s+/);
      if (next.join(' ') !== columns.join(' ')) {
        columns = next;
        pattern = xentopRowPattern(columns);
      }
      continue;
    }
    const m = pattern?.exec(line);
    if (!m) continue;
    const value = (column: string): number | null => {
      const i = columns.indexOf(column);
      const raw = i >= 2 ? m[i + 1] : undefined;
      return raw === undefined || !/^\d/.test(raw) ? null : Number(raw);
    };
    const scaled = (column: string, factor: number): number | null => {
      const v = value(column);
      return v === null ? null : Math.round(v * factor);
    };
    const mem = value('MEM(k)');
    const maxMem = value('MAXMEM(k)');
    rows.set(m[1]!, {
      name: m[1]!,
      flags: m[2]!,
      state: xenStateFromFlags(m[2]!),
      cpuTimeNs: scaled('CPU(sec)', 1e9),
      memoryMiB: kibToMiB(mem),
      maxMemoryMiB: kibToMiB(maxMem),
      vcpus: value('VCPUS'),
      nets: value('NETS'),
      netTxBytes: scaled('NETTX(k)', 1024),
      netRxBytes: scaled('NETRX(k)', 1024),
      vbds: value('VBDS'),
      diskReadRequests: value('VBD_RD'),
      diskWriteRequests: value('VBD_WR'),
      diskReadBytes: scaled('VBD_RSECT', SECTOR_BYTES),
      diskWriteBytes: scaled('VBD_WSECT', SECTOR_BYTES),
    });
  }
  return [...rows.values()];
}

/** `xl info`: every `key : value` line, and the figures ConVirt uses. Memory in MiB. */
export interface XlInfo {
  fields: Map<string, string>;
  host: string;
  machine: string;
  nrCpus: number | null;
  cpuMhz: number | null;
  totalMemoryMiB: number | null;
  freeMemoryMiB: number | null;
  xenVersion: string;
  /** Guest ABIs the hypervisor runs, e.g. `xen-3.0-x86_64 hvm-3.0-x86_32p`. */
  xenCaps: string[];
  /** Host virtualization features, e.g. `hvm hap shadow`. */
  virtCaps: string[];
  scheduler: string | null;
}

export function parseXlInfo(output: string): XlInfo {
  const fields = new Map<string, string>();
  for (const line of output.split('\n')) {
    // Values may hold colons themselves (hw_caps, xen_changeset): split at the first one.
    const m = /^([a-z0-9_]+)\s*:(.*)$/.exec(line);
    if (m) fields.set(m[1]!, m[2]!.trim());
  }
  const num = (key: string): number | null => {
    const v = fields.get(key);
    return v !== undefined && /^\d+(\.\d+)?$/.test(v) ? Number(v) : null;
  };
  const list = (key: string): string[] => (fields.get(key) ?? '').split(/\s+/).filter(Boolean);
  const major = fields.get('xen_major');
  const version =
    fields.get('xen_version') ||
    (major ? `${major}.${fields.get('xen_minor') ?? '0'}${fields.get('xen_extra') ?? ''}` : '');
  return {
    fields,
    host: fields.get('host') ?? '',
    machine: fields.get('machine') ?? '',
    nrCpus: num('nr_cpus'),
    cpuMhz: num('cpu_mhz'),
    totalMemoryMiB: num('total_memory'),
    freeMemoryMiB: num('free_memory'),
    xenVersion: version,
    xenCaps: list('xen_caps'),
    virtCaps: list('virt_caps'),
    scheduler: fields.get('xen_scheduler') || null,
  };
}

/** A domain config file in the config directory, as far as a poll reads it. */
export interface XlConfigFile {
  /** The file's name without `.cfg`: what `start` creates (xl keeps no inactive domains). */
  name: string;
  memoryMiB: number | null;
  maxMemoryMiB: number | null;
  vcpus: number | null;
}

/**
 * Parses the poll's config section: `@file NAME.cfg` lines, each followed by the file's
 * `memory`, `maxmem`, `vcpus` and `maxvcpus` settings (xl's config syntax: `key = value`).
 */
export function parseXlConfigFiles(output: string): XlConfigFile[] {
  const files: XlConfigFile[] = [];
  let current: XlConfigFile | undefined;
  for (const line of output.split('\n')) {
    const file = /^@file (.+)\.cfg$/.exec(line);
    if (file) {
      // A file whose name is no valid VM name is not a VM ConVirt could start.
      current = isVmName(file[1]!)
        ? { name: file[1]!, memoryMiB: null, maxMemoryMiB: null, vcpus: null }
        : undefined;
      if (current) files.push(current);
      continue;
    }
    const setting = /^\s*(memory|maxmem|vcpus|maxvcpus)\s*=\s*"?(\d+)"?\s*(#.*)?$/.exec(line);
    if (!current || !setting) continue;
    const value = Number(setting[2]);
    if (setting[1] === 'memory') current.memoryMiB = value;
    else if (setting[1] === 'maxmem') current.maxMemoryMiB = value;
    else if (setting[1] === 'vcpus') current.vcpus = value;
  }
  return files;
}

function isVmName(name: string): boolean {
  try {
    validateVmName(name);
    return true;
  } catch {
    return false;
  }
}

interface Sources {
  config?: XlDomainConfig;
  listed?: XlListRow;
  top?: XentopRow;
}

/**
 * Joins the three listings by domain name into one poll, without dom0. Any listing may miss a
 * domain (xl list -l skips domains whose configuration it cannot read, such as stub domains;
 * xentop may be absent), so each domain takes each figure from the best listing that has it.
 */
export function mergeXenDomains(
  configs: XlDomainConfig[],
  listed: XlListRow[],
  top: XentopRow[],
  files: XlConfigFile[] = [],
): PolledVm[] {
  const dom0 = new Set<string>([DOM0_NAME]);
  for (const d of [...configs, ...listed]) if (d.domid === 0) dom0.add(d.name);

  const byName = new Map<string, Sources>();
  const entry = (name: string): Sources => {
    let s = byName.get(name);
    if (!s) byName.set(name, (s = {}));
    return s;
  };
  for (const c of configs) entry(c.name).config = c;
  for (const l of listed) entry(l.name).listed = l;
  for (const t of top) {
    let name = t.name;
    // Without -f xentop cuts names to 10 characters; match such a stub when it is unambiguous.
    if (!byName.has(name) && name.length === 10) {
      const longer = [...byName.keys()].filter((n) => n.length > 10 && n.startsWith(name));
      if (longer.length === 1) name = longer[0]!;
    }
    entry(name).top = t;
  }

  const vms: PolledVm[] = [];
  for (const [name, { config, listed: row, top: stats }] of byName) {
    if (dom0.has(name)) continue;
    vms.push({
      name,
      uuid: config?.uuid ?? null,
      state: row?.state ?? stats?.state ?? 'unknown',
      vcpus: row?.vcpus ?? stats?.vcpus ?? config?.availVcpus ?? config?.maxVcpus ?? 0,
      memoryMiB: config?.targetMemoryMiB ?? stats?.memoryMiB ?? row?.memoryMiB ?? 0,
      maxMemoryMiB: config?.maxMemoryMiB ?? stats?.maxMemoryMiB ?? null,
      cpuTimeNs: row?.cpuTimeNs ?? stats?.cpuTimeNs ?? null,
      diskReadBytes: stats?.diskReadBytes ?? null,
      diskWriteBytes: stats?.diskWriteBytes ?? null,
      netRxBytes: stats?.netRxBytes ?? null,
      netTxBytes: stats?.netTxBytes ?? null,
    });
  }
  // A config file without a domain of its name is a VM that is shut off.
  for (const file of files) {
    if (byName.has(file.name) || dom0.has(file.name)) continue;
    vms.push({
      name: file.name,
      uuid: null,
      state: 'shutoff',
      vcpus: file.vcpus ?? 1,
      memoryMiB: file.memoryMiB ?? 0,
      maxMemoryMiB: file.maxMemoryMiB ?? file.memoryMiB,
      cpuTimeNs: null,
      diskReadBytes: null,
      diskWriteBytes: null,
      netRxBytes: null,
      netTxBytes: null,
    });
  }
  return vms;
}
