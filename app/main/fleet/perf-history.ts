// Performance history of every VM and host, kept by main from the polls so a chart opened now
// shows the past: the last 24 h at poll resolution (one point per slow-poll interval at most),
// older points averaged into 10-minute buckets kept 7 days. Memory is bounded per series (fixed
// ring capacities) and grows with the history actually held, not ahead of it.
import type { PerfHistory, PerfPoint } from '../../shared/domain/perf-history.js';
import type { VmSample } from '../../shared/domain/vm.js';
import type { HostPoll } from './fleet-poller.js';

const VALUES = 4; // cpuPercent, memoryMiB, diskBytesPerSec, netBytesPerSec

export interface PerfHistoryOptions {
  /** The finest step kept: polls closer together (a watched host) share one point. */
  pollStepMs?: number;
  /** How long poll resolution is kept. */
  pollSpanMs?: number;
  downsampledStepMs?: number;
  downsampledSpanMs?: number;
}

/**
 * Points oldest first in a ring that grows (doubling) up to `capacity`, then overwrites the
 * oldest. Values are Float32 (NaN for null): 24 bytes per point with its time.
 */
class PointRing {
  private times: Float64Array;
  private values: Float32Array;
  private start = 0;
  length = 0;

  constructor(private readonly capacity: number) {
    const size = Math.min(16, capacity);
    this.times = new Float64Array(size);
    this.values = new Float32Array(size * VALUES);
  }

  /** Appends; returns the point pushed out (the oldest) when the ring is full. */
  push(at: number, values: readonly number[]): { at: number; values: number[] } | null {
    if (this.length === this.times.length && this.length < this.capacity) this.grow();
    let evicted: { at: number; values: number[] } | null = null;
    if (this.length === this.times.length) {
      evicted = { at: this.times[this.start]!, values: this.valuesAt(this.start) };
      this.start = (this.start + 1) % this.times.length;
      this.length--;
    }
    const slot = (this.start + this.length) % this.times.length;
    this.times[slot] = at;
    this.values.set(values, slot * VALUES);
    this.length++;
    return evicted;
  }

  /** Replaces the newest point (polls within one step share it). */
  replaceLast(at: number, values: readonly number[]): void {
    const slot = (this.start + this.length - 1) % this.times.length;
    this.times[slot] = at;
    this.values.set(values, slot * VALUES);
  }

  lastAt(): number | null {
    return this.length ? this.times[(this.start + this.length - 1) % this.times.length]! : null;
  }

  firstAt(): number | null {
    return this.length ? this.times[this.start]! : null;
  }

  *points(): Generator<PerfPoint> {
    for (let i = 0; i < this.length; i++) {
      const slot = (this.start + i) % this.times.length;
      const [cpuPercent, memoryMiB, diskBytesPerSec, netBytesPerSec] = this.valuesAt(slot).map(
        (v) => (Number.isNaN(v) ? null : v),
      );
      yield {
        at: this.times[slot]!,
        cpuPercent: cpuPercent ?? null,
        memoryMiB: memoryMiB ?? null,
        diskBytesPerSec: diskBytesPerSec ?? null,
        netBytesPerSec: netBytesPerSec ?? null,
      };
    }
  }

  private valuesAt(slot: number): number[] {
    return Array.from(this.values.subarray(slot * VALUES, slot * VALUES + VALUES));
  }

  private grow(): void {
    const size = Math.min(this.capacity, this.times.length * 2);
    const times = new Float64Array(size);
    const values = new Float32Array(size * VALUES);
    // Not yet wrapped (it wraps only at full capacity): the points are in order from slot 0.
    times.set(this.times.subarray(0, this.length));
    values.set(this.values.subarray(0, this.length * VALUES));
    this.times = times;
    this.values = values;
  }
}

/** Averages of the points that fall in one downsampled bucket (NaN-aware). */
class Bucket {
  private readonly sums = new Float64Array(VALUES);
  private readonly counts = new Uint32Array(VALUES);

  constructor(readonly index: number) {}

  add(values: readonly number[]): void {
    values.forEach((v, i) => {
      if (Number.isNaN(v)) return;
      this.sums[i]! += v;
      this.counts[i]!++;
    });
  }

  averages(): number[] {
    return Array.from(this.sums, (sum, i) => (this.counts[i] ? sum / this.counts[i] : NaN));
  }
}

class Series {
  readonly recent: PointRing;
  readonly older: PointRing;
  private bucket: Bucket | null = null;

  constructor(private readonly o: Required<PerfHistoryOptions>) {
    this.recent = new PointRing(Math.ceil(o.pollSpanMs / o.pollStepMs) + 1);
    this.older = new PointRing(Math.ceil(o.downsampledSpanMs / o.downsampledStepMs));
  }

  record(at: number, values: readonly number[]): void {
    const last = this.recent.lastAt();
    if (last !== null && at - last < this.o.pollStepMs) {
      this.recent.replaceLast(last, values);
      return;
    }
    const evicted = this.recent.push(at, values);
    if (evicted) this.downsample(evicted.at, evicted.values);
  }

  private downsample(at: number, values: number[]): void {
    const step = this.o.downsampledStepMs;
    const index = Math.floor(at / step);
    if (this.bucket && this.bucket.index !== index) {
      this.older.push((this.bucket.index + 0.5) * step, this.bucket.averages());
      this.bucket = null;
    }
    (this.bucket ??= new Bucket(index)).add(values);
  }

  history(): PerfHistory {
    return {
      points: [...this.older.points(), ...this.recent.points()],
      pollResolutionSince: this.recent.firstAt(),
      downsampledStepMs: this.o.downsampledStepMs,
    };
  }
}

const nan = (v: number | null) => (v === null ? NaN : v);
const sum = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);

interface Counters {
  at: number;
  disk: number | null;
  net: number | null;
}

/** Per-second rate of a cumulative counter; null when unknown or reset (a restarted VM). */
function rate(prev: number | null | undefined, now: number | null, seconds: number) {
  if (prev === null || prev === undefined || now === null || seconds <= 0 || now < prev) {
    return null;
  }
  return (now - prev) / seconds;
}

export class PerfHistoryStore {
  private readonly options: Required<PerfHistoryOptions>;
  private readonly vms = new Map<string, Series>();
  private readonly hosts = new Map<string, Series>();
  /** The last cumulative counters of each VM, for its rates. */
  private readonly counters = new Map<string, Counters>();

  constructor(options: PerfHistoryOptions = {}) {
    this.options = {
      pollStepMs: options.pollStepMs ?? 10_000,
      pollSpanMs: options.pollSpanMs ?? 24 * 3600_000,
      downsampledStepMs: options.downsampledStepMs ?? 600_000,
      downsampledSpanMs: options.downsampledSpanMs ?? 7 * 24 * 3600_000,
    };
  }

  /** Records one host poll: a point per running VM, and the host's sums. */
  record({ host, at, vms }: HostPoll): void {
    const present = new Set<string>();
    const total = { cpu: 0, memory: 0, disk: 0 as number | null, net: 0 as number | null };
    for (const vm of vms) {
      const key = `${host}/${vm.name}`;
      present.add(key);
      const values = this.vmValues(key, at, vm);
      if (vm.state !== 'running') continue;
      total.cpu += Number.isNaN(values[0]!) ? 0 : values[0]!;
      total.memory += vm.memoryMiB;
      total.disk = sum(total.disk, Number.isNaN(values[2]!) ? null : values[2]!);
      total.net = sum(total.net, Number.isNaN(values[3]!) ? null : values[3]!);
      this.series(this.vms, key).record(at, values);
    }
    this.series(this.hosts, host).record(at, [
      total.cpu,
      total.memory,
      nan(total.disk),
      nan(total.net),
    ]);
    // A VM gone from its host (deleted, renamed) keeps its history until the host is forgotten;
    // only its counters go, so a VM of the same name later starts its rates afresh.
    for (const key of this.counters.keys()) {
      if (key.startsWith(`${host}/`) && !present.has(key)) this.counters.delete(key);
    }
  }

  private vmValues(key: string, at: number, vm: VmSample): number[] {
    const disk = sum(vm.diskReadBytes, vm.diskWriteBytes);
    const net = sum(vm.netRxBytes, vm.netTxBytes);
    const prev = this.counters.get(key);
    this.counters.set(key, { at, disk, net });
    const seconds = prev ? (at - prev.at) / 1000 : 0;
    return [
      nan(vm.cpuPercent),
      vm.memoryMiB,
      nan(rate(prev?.disk, disk, seconds)),
      nan(rate(prev?.net, net, seconds)),
    ];
  }

  private series(map: Map<string, Series>, key: string): Series {
    let series = map.get(key);
    if (!series) {
      series = new Series(this.options);
      map.set(key, series);
    }
    return series;
  }

  vmHistory(host: string, vm: string): PerfHistory {
    return this.vms.get(`${host}/${vm}`)?.history() ?? this.empty();
  }

  hostHistory(host: string): PerfHistory {
    return this.hosts.get(host)?.history() ?? this.empty();
  }

  /** A removed host's history goes with it. */
  forgetHost(host: string): void {
    this.hosts.delete(host);
    for (const map of [this.vms, this.counters]) {
      for (const key of map.keys()) if (key.startsWith(`${host}/`)) map.delete(key);
    }
  }

  private empty(): PerfHistory {
    return {
      points: [],
      pollResolutionSince: null,
      downsampledStepMs: this.options.downsampledStepMs,
    };
  }
}
