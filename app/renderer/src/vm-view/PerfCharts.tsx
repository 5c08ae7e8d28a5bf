// Performance charts of a VM or a host (CPU, memory, disk and network) from the history main
// keeps, so they show the past, not only what arrived since the page opened. Drawn by uPlot with
// time and value axes; after each poll of the host only the newest points are fetched.
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import type { PerfHistory, PerfPoint } from '../../../shared/domain/perf-history.js';
import { useClient } from '../client-context.js';
import { errorMessage } from '../common/errors.js';
import { formatBytes, formatMiB, formatPercent } from '../common/format.js';
import { nextSince, withUpdate } from './history-updates.js';

const UplotPlot = lazy(() => import('./UplotPlot.js'));

export interface ChartSpec {
  title: string;
  unit: string;
  pick: (p: PerfPoint) => number | null;
  format: (value: number) => string;
}

const CHARTS: ChartSpec[] = [
  { title: 'CPU', unit: '% of one CPU', pick: (p) => p.cpuPercent, format: formatPercent },
  { title: 'Memory', unit: 'MiB', pick: (p) => p.memoryMiB, format: formatMiB },
  {
    title: 'Disk I/O',
    unit: 'bytes/s',
    pick: (p) => p.diskBytesPerSec,
    format: (v) => `${formatBytes(v)}/s`,
  },
  {
    title: 'Network',
    unit: 'bytes/s',
    pick: (p) => p.netBytesPerSec,
    format: (v) => `${formatBytes(v)}/s`,
  },
];

export function PerfCharts({
  host,
  vm,
  refreshKey,
  paused = false,
}: {
  host: string;
  /** The VM's charts; the host's (sums over its running VMs) without one. */
  vm?: string;
  /** Changes when new data may be there (the host's last poll time). */
  refreshKey: unknown;
  /**
   * Nobody sees them (their tab is hidden): nothing is fetched or drawn, and what is held stays
   * until they show again, then only what is newer is fetched.
   */
  paused?: boolean;
}) {
  const client = useClient();
  const [history, setHistory] = useState<PerfHistory | null>(null);
  const [error, setError] = useState<string | null>(null);
  const held = useRef<{ of: string; history: PerfHistory | null; wholeFetchedAt: number | null }>({
    of: '',
    history: null,
    wholeFetchedAt: null,
  });
  useEffect(() => {
    if (paused) return;
    let live = true;
    const now = Date.now();
    const of = `${host}/${vm ?? ''}`;
    // Another VM or host: start again from its whole history.
    if (held.current.of !== of) held.current = { of, history: null, wholeFetchedAt: null };
    const since = nextSince(held.current.history, held.current.wholeFetchedAt, now);
    // No trailing undefined: it would cross the wire as null, which the contract refuses.
    const from = since === null ? [] : ([since] as const);
    (vm === undefined ? client.hostHistory(host, ...from) : client.vmHistory({ host, vm }, ...from))
      .then((answer) => {
        if (!live) return;
        const previous = held.current.history;
        const next = since === null || !previous ? answer : withUpdate(previous, answer, since);
        held.current = {
          of,
          history: next,
          wholeFetchedAt: since === null ? now : held.current.wholeFetchedAt,
        };
        setHistory(next);
        setError(null);
      })
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [client, host, vm, refreshKey, paused]);
  if (error) return <p role="alert">Could not load the history: {error}</p>;
  return (
    <div className="charts">
      {CHARTS.map((spec) => (
        <Chart key={spec.title} spec={spec} points={history?.points ?? null} />
      ))}
    </div>
  );
}

function Chart({ spec, points }: { spec: ChartSpec; points: PerfPoint[] | null }) {
  const times = points?.map((p) => p.at / 1000) ?? [];
  const values = points?.map(spec.pick) ?? [];
  let latest: number | null = null;
  for (const value of values) if (value !== null) latest = value;

  const description =
    points === null
      ? `${spec.title}: loading`
      : latest === null
        ? `${spec.title}: no samples yet`
        : `${spec.title}: ${spec.format(latest)} now, ${points.length} points since ${new Date(points[0]!.at).toLocaleString()}`;
  return (
    <figure
      className="chart"
      role="img"
      aria-label={description}
      data-since={points?.[0]?.at}
      data-points={points?.length}
    >
      <figcaption>
        <span>
          {spec.title} <span className="muted">({spec.unit})</span>
        </span>
        <span className="chart-now">{latest === null ? '–' : spec.format(latest)}</span>
      </figcaption>
      <Suspense fallback={<div className="chart-plot" aria-hidden="true" />}>
        <UplotPlot spec={spec} times={times} values={values} />
      </Suspense>
      {points !== null && points.length < 2 ? (
        <span className="chart-empty" aria-hidden="true">
          {points.length ? 'collecting…' : 'no data'}
        </span>
      ) : null}
    </figure>
  );
}
