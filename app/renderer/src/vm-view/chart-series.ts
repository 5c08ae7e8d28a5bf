// Chart series from a VM's successive polls: CPU and memory as they are, disk and network as
// rates derived from two cumulative counters (a counter that goes back, e.g. after a restart,
// gives no point rather than a negative rate).
import type { VmHistoryPoint } from '../store/fleet-store.js';

export interface SeriesPoint {
  at: number;
  value: number;
}

export function valueSeries(
  points: readonly VmHistoryPoint[],
  pick: (p: VmHistoryPoint) => number | null,
): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (const p of points) {
    const value = pick(p);
    if (value !== null) out.push({ at: p.at, value });
  }
  return out;
}

/** Per-second rate of a cumulative counter. */
export function rateSeries(
  points: readonly VmHistoryPoint[],
  pick: (p: VmHistoryPoint) => number | null,
): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const va = pick(a);
    const vb = pick(b);
    const seconds = (b.at - a.at) / 1000;
    if (va === null || vb === null || seconds <= 0 || vb < va) continue;
    out.push({ at: b.at, value: (vb - va) / seconds });
  }
  return out;
}
