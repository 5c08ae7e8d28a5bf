// Performance history of every VM and host, kept by main from the polls so a chart opened now
// shows the past: the last 24 h at poll resolution (one point per poll step at most), older
// points averaged into 10-minute buckets kept 7 days. It lives on disk, one folder per host, so
// main's memory does not grow with the history (at 50,000 VMs, 24 h in memory would take
// gigabytes) and it survives a restart:
//   series.txt          one JSON string per line: the series' names, numbered by line ("" = the
//                       host's own sums)
//   r-<segment>.bin     poll-resolution records of the segment being written (one per hour)
//   r-<segment>.bin.gz  a finished segment, compressed
//   d-<day>.bin         downsampled records of segments older than the poll span
// About 9 MB a day for a host of 50 VMs before compression.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { PerfHistory, PerfPoint } from '../../shared/domain/perf-history.js';
import type { VmSample } from '../../shared/domain/vm.js';
import type { HostPoll } from './fleet-poller.js';
import {
  decodeRecords,
  encodeRecord,
  type HistoryRecord,
  seriesPoints,
  type SeriesValues,
  VALUES,
} from './perf-history-records.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface PerfHistoryOptions {
  /** The finest step kept: polls closer together (a watched host) share one point. */
  pollStepMs?: number;
  /** How long poll resolution is kept. */
  pollSpanMs?: number;
  downsampledStepMs?: number;
  downsampledSpanMs?: number;
  /** One poll-resolution file per this span (a multiple of downsampledStepMs). */
  segmentMs?: number;
  /** One downsampled file per this span (a multiple of segmentMs). */
  downsampledFileMs?: number;
  /** A history file that could not be written or read (the history is not worth a crash). */
  warn?: (message: string) => void;
}

const HOST_SERIES = '';

/**
 * Finished points are appended this many at a time (a minute at the 10 s step): at a thousand
 * hosts, an append per point was a hundred file opens a second for main. A crash loses at most
 * these; an orderly exit writes them (flush).
 */
const RECORDS_PER_WRITE = 6;

/** A point encoded as the files hold it (a Buffer, not thousands of small arrays to keep). */
interface EncodedRecord {
  at: number;
  bytes: Buffer;
}

/** Where a host's files are and what main holds of them between polls. */
interface HostFiles {
  host: string;
  dir: string;
  /** Series name to its number, as series.txt holds them. */
  series: Map<string, number>;
  /** The newest point, encoded, kept in memory until the next poll step begins. */
  pending: EncodedRecord | null;
  /** Finished points not yet appended to a file: they are written a few at a time. */
  unwritten: EncodedRecord[];
  /** The segment the last written record went to (null: none since start). */
  segment: number | null;
  /** File work runs one after the other per host, in order. */
  queue: Promise<void>;
  /** The host was removed: work still queued for it does nothing. */
  forgotten: boolean;
  /** Its folder was made (by this store, since start). */
  dirMade: boolean;
  /** The last cumulative counters of each of its VMs, by VM name, for their rates. */
  counters: Map<string, Counters>;
}

interface Counters {
  at: number;
  disk: number | null;
  net: number | null;
}

const nan = (v: number | null) => (v === null ? NaN : v);
const sum = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);
const indexOf = (file: string, prefix: string) =>
  file.startsWith(prefix) ? Number.parseInt(file.slice(prefix.length), 10) : NaN;

/** Per-second rate of a cumulative counter; null when unknown or reset (a restarted VM). */
function rate(prev: number | null | undefined, now: number | null, seconds: number) {
  if (prev === null || prev === undefined || now === null || seconds <= 0 || now < prev) {
    return null;
  }
  return (now - prev) / seconds;
}

export class PerfHistoryStore {
  private readonly o: Required<Omit<PerfHistoryOptions, 'warn'>>;
  private readonly warn: (message: string) => void;
  private readonly hosts = new Map<string, HostFiles>();

  constructor(
    private readonly dir: string,
    options: PerfHistoryOptions = {},
  ) {
    this.o = {
      pollStepMs: options.pollStepMs ?? 10_000,
      pollSpanMs: options.pollSpanMs ?? 24 * 3600_000,
      downsampledStepMs: options.downsampledStepMs ?? 600_000,
      downsampledSpanMs: options.downsampledSpanMs ?? 7 * 24 * 3600_000,
      segmentMs: options.segmentMs ?? 3600_000,
      downsampledFileMs: options.downsampledFileMs ?? 24 * 3600_000,
    };
    if (
      this.o.segmentMs % this.o.downsampledStepMs ||
      this.o.downsampledFileMs % this.o.segmentMs
    ) {
      throw new Error('Segments must hold whole buckets, and downsampled files whole segments.');
    }
    this.warn = options.warn ?? ((message) => console.warn(message));
  }

  /** Records one host poll: a point per running VM, and the host's sums. */
  record({ host, at, vms }: HostPoll): void {
    const files = this.files(host);
    const pending = files.pending;
    // Polls closer together than the step share its point: the first poll's values, with rates
    // since the point before. The others cost nothing here (a thousand hosts polled every 2 s
    // would otherwise build and keep 50,000 values a poll that no chart ever shows).
    // (A tenth of the step is allowed: polls every step come a few ms early half the time.)
    if (pending && at - pending.at < this.o.pollStepMs * 0.9) return;
    const entries = new Map<number, SeriesValues>();
    const newSeries: string[] = [];
    // A VM gone from its host (deleted, renamed) keeps its history until the host is forgotten;
    // only its counters go, so a VM of the same name later starts its rates afresh.
    const previous = files.counters;
    files.counters = new Map();
    const total = { cpu: 0, memory: 0, disk: 0 as number | null, net: 0 as number | null };
    for (const vm of vms) {
      const { values, counters } = vmValues(previous.get(vm.name), at, vm);
      files.counters.set(vm.name, counters);
      if (vm.state !== 'running') continue;
      total.cpu += Number.isNaN(values[0]!) ? 0 : values[0]!;
      total.memory += vm.memoryMiB;
      total.disk = sum(total.disk, Number.isNaN(values[2]!) ? null : values[2]!);
      total.net = sum(total.net, Number.isNaN(values[3]!) ? null : values[3]!);
      entries.set(this.seriesNumber(files, vm.name, newSeries), values);
    }
    const hostValues = [total.cpu, total.memory, nan(total.disk), nan(total.net)];
    entries.set(this.seriesNumber(files, HOST_SERIES, newSeries), hostValues);
    if (newSeries.length > 0) {
      // One append for all of them: a host's first poll names 50 series at once.
      const lines = newSeries.map((name) => `${JSON.stringify(name)}\n`).join('');
      this.enqueue(files, async () => {
        await this.makeDir(files);
        await appendFile(join(files.dir, 'series.txt'), lines);
      });
    }
    files.pending = { at, bytes: encodeRecord({ at, entries }) };
    if (!pending) return;
    files.unwritten.push(pending);
    if (files.unwritten.length >= RECORDS_PER_WRITE) this.writeUnwritten(files, at);
  }

  /** A VM's points, or with `since` only those at or after it (files before it not read). */
  async vmHistory(host: string, vm: string, since = 0): Promise<PerfHistory> {
    return this.history(host, vm, since);
  }

  async hostHistory(host: string, since = 0): Promise<PerfHistory> {
    return this.history(host, HOST_SERIES, since);
  }

  /** A removed host's history goes with it (a host added again by that name starts afresh). */
  forgetHost(host: string): void {
    const files = this.hosts.get(host);
    if (files) files.forgotten = true; // its queued writes do nothing now
    this.hosts.delete(host);
    const dir = this.hostDir(host);
    const removed = `${dir}.removed-${process.pid}-${Date.now()}`;
    try {
      renameSync(dir, removed);
    } catch {
      return; // nothing kept yet
    }
    const after = files?.queue ?? Promise.resolve();
    void after.then(() => rm(removed, { recursive: true, force: true })).catch(this.failed(host));
  }

  /** Writes the points still in memory (before main exits) and waits for every file write. */
  async flush(): Promise<void> {
    for (const files of this.hosts.values()) {
      if (files.pending) files.unwritten.push(files.pending);
      files.pending = null;
      // The points' own time (not the clock's): a segment's upkeep goes by the polls' time.
      const newest = files.unwritten.at(-1);
      if (newest) this.writeUnwritten(files, newest.at);
    }
    await Promise.all([...this.hosts.values()].map((files) => files.queue));
  }

  private async history(host: string, name: string, since: number): Promise<PerfHistory> {
    const empty = (): PerfHistory => ({
      points: [],
      pollResolutionSince: null,
      downsampledStepMs: this.o.downsampledStepMs,
    });
    const files =
      this.hosts.get(host) ?? (existsSync(this.hostDir(host)) ? this.files(host) : null);
    const series = files?.series.get(name);
    if (!files || series === undefined) return empty();
    // Until no more work is queued: points moved from memory to the queue while this waited
    // would be in neither place below.
    for (let queued = files.queue; ; queued = files.queue) {
      await queued;
      if (queued === files.queue) break;
    }
    const inMemory = [...files.unwritten, ...(files.pending ? [files.pending] : [])];
    let names: string[];
    try {
      names = await readdir(files.dir);
    } catch {
      return empty();
    }
    const older: PerfPoint[] = [];
    const recent: PerfPoint[] = [];
    for (const [prefix, into, fileMs] of [
      ['d-', older, this.o.downsampledFileMs],
      ['r-', recent, this.o.segmentMs],
    ] as const) {
      const ordered = names
        .filter((file) => (indexOf(file, prefix) + 1) * fileMs > since) // NaN: not one of these
        .sort((a, b) => indexOf(a, prefix) - indexOf(b, prefix));
      for (const file of ordered) {
        const buffer = await this.readRecords(join(files.dir, file)).catch(() => null);
        if (!buffer) continue;
        for (const { at, values } of seriesPoints(buffer, series)) {
          if (at >= since) into.push(point(at, values));
        }
      }
    }
    // Points still in memory; any written meanwhile were read above already.
    for (const { at, bytes } of inMemory) {
      if (at < since || at <= (recent.at(-1)?.at ?? -Infinity)) continue;
      for (const { values } of seriesPoints(bytes, series)) recent.push(point(at, values));
    }
    return {
      points: [...older, ...recent],
      pollResolutionSince: recent[0]?.at ?? null,
      downsampledStepMs: this.o.downsampledStepMs,
    };
  }

  private hostDir(host: string): string {
    // Any host name is a safe folder name this way ("." and ".." included).
    return join(this.dir, `host-${encodeURIComponent(host).replaceAll('.', '%2E')}`);
  }

  private files(host: string): HostFiles {
    let files = this.hosts.get(host);
    if (!files) {
      const dir = this.hostDir(host);
      files = {
        host,
        dir,
        series: new Map(),
        pending: null,
        unwritten: [],
        segment: null,
        queue: Promise.resolve(),
        forgotten: false,
        dirMade: false,
        counters: new Map(),
      };
      try {
        // Read once per host and start: later names are appended as they come.
        const lines = readFileSync(join(dir, 'series.txt'), 'utf8').split('\n').slice(0, -1);
        lines.forEach((line, index) => files!.series.set(JSON.parse(line) as string, index));
      } catch {
        // No history yet (or unreadable: it starts again).
      }
      this.hosts.set(host, files);
    }
    return files;
  }

  /** The series' number; a name not seen before is numbered now and added to `added`. */
  private seriesNumber(files: HostFiles, name: string, added: string[]): number {
    let number = files.series.get(name);
    if (number === undefined) {
      number = files.series.size;
      files.series.set(name, number);
      added.push(name);
    }
    return number;
  }

  /** The host's folder, made once (every write of a thousand hosts would ask again). */
  private async makeDir(files: HostFiles): Promise<void> {
    if (files.dirMade) return;
    await mkdir(files.dir, { recursive: true });
    files.dirMade = true;
  }

  private enqueue(files: HostFiles, work: () => Promise<void>): void {
    files.queue = files.queue
      .then(() => (files.forgotten ? undefined : work()))
      .catch(this.failed(files.host));
  }

  private failed(host: string) {
    return (err: unknown) =>
      this.warn(`Performance history of ${host}: ${(err as Error).message} (points lost)`);
  }

  /** Queues the append of the host's finished points. */
  private writeUnwritten(files: HostFiles, now: number): void {
    const records = files.unwritten;
    files.unwritten = [];
    if (records.length > 0) this.enqueue(files, () => this.write(files, records, now));
  }

  /** Appends records, one append per segment; a new segment first finishes the old ones. */
  private async write(files: HostFiles, records: EncodedRecord[], now: number): Promise<void> {
    await this.makeDir(files);
    for (let first = 0; first < records.length;) {
      const segment = Math.floor(records[first]!.at / this.o.segmentMs);
      let end = first + 1;
      while (end < records.length && Math.floor(records[end]!.at / this.o.segmentMs) === segment) {
        end++;
      }
      if (files.segment !== segment) {
        await this.maintain(files, segment, now);
        files.segment = segment;
      }
      const bytes = Buffer.concat(records.slice(first, end).map((record) => record.bytes));
      await appendFile(join(files.dir, `r-${segment}.bin`), bytes);
      first = end;
    }
  }

  /** Compresses finished segments, downsamples those past the poll span, drops expired days. */
  private async maintain(files: HostFiles, current: number, now: number): Promise<void> {
    const names = await readdir(files.dir);
    const path = (file: string) => join(files.dir, file);
    for (const file of names) {
      const segment = indexOf(file, 'r-');
      if (file.endsWith('.bin') && segment < current) {
        await writeFile(path(`${file}.gz`), await gzipAsync(await readFile(path(file))));
        await rm(path(file));
      }
    }
    for (const file of await readdir(files.dir)) {
      const segment = indexOf(file, 'r-');
      if (!file.endsWith('.gz') || (segment + 1) * this.o.segmentMs > now - this.o.pollSpanMs) {
        continue;
      }
      const day = Math.floor((segment * this.o.segmentMs) / this.o.downsampledFileMs);
      const buckets = downsample(await this.readRecords(path(file)), this.o.downsampledStepMs);
      await appendFile(path(`d-${day}.bin`), Buffer.concat(buckets.map(encodeRecord)));
      await rm(path(file));
    }
    const expired = now - this.o.pollSpanMs - this.o.downsampledSpanMs;
    for (const file of await readdir(files.dir)) {
      const day = indexOf(file, 'd-');
      if ((day + 1) * this.o.downsampledFileMs <= expired) await rm(path(file));
    }
  }

  private async readRecords(file: string): Promise<Buffer> {
    const buffer = await readFile(file);
    return file.endsWith('.gz') ? gunzipAsync(buffer) : buffer;
  }
}

/** A VM's chart values (rates from its previous counters) and its counters now. */
function vmValues(prev: Counters | undefined, at: number, vm: VmSample) {
  const disk = sum(vm.diskReadBytes, vm.diskWriteBytes);
  const net = sum(vm.netRxBytes, vm.netTxBytes);
  const seconds = prev ? (at - prev.at) / 1000 : 0;
  const values = [
    nan(vm.cpuPercent),
    vm.memoryMiB,
    nan(rate(prev?.disk, disk, seconds)),
    nan(rate(prev?.net, net, seconds)),
  ];
  return { values, counters: { at, disk, net } };
}

function point(at: number, values: readonly number[]): PerfPoint {
  const [cpuPercent, memoryMiB, diskBytesPerSec, netBytesPerSec] = values.map((v) =>
    Number.isNaN(v) ? null : v,
  );
  return {
    at,
    cpuPercent: cpuPercent ?? null,
    memoryMiB: memoryMiB ?? null,
    diskBytesPerSec: diskBytesPerSec ?? null,
    netBytesPerSec: netBytesPerSec ?? null,
  };
}

interface Sums {
  sums: number[];
  counts: number[];
}

/** Each series' averages (NaN-aware) per bucket of `step`, timed at the bucket's middle. */
function downsample(buffer: Buffer, step: number): HistoryRecord[] {
  const buckets = new Map<number, Map<number, Sums>>();
  for (const { at, entries } of decodeRecords(buffer)) {
    const index = Math.floor(at / step);
    let bucket = buckets.get(index);
    if (!bucket) buckets.set(index, (bucket = new Map<number, Sums>()));
    for (const [series, values] of entries) {
      let acc = bucket.get(series);
      if (!acc) {
        acc = {
          sums: new Array<number>(VALUES).fill(0),
          counts: new Array<number>(VALUES).fill(0),
        };
        bucket.set(series, acc);
      }
      const { sums, counts } = acc;
      values.forEach((v, i) => {
        if (Number.isNaN(v)) return;
        sums[i]! += v;
        counts[i]!++;
      });
    }
  }
  return [...buckets]
    .sort(([a], [b]) => a - b)
    .map(([index, bucket]) => ({
      at: (index + 0.5) * step,
      entries: new Map(
        [...bucket].map(([series, { sums, counts }]) => [
          series,
          sums.map((total, i) => (counts[i] ? total / counts[i] : NaN)),
        ]),
      ),
    }));
}
