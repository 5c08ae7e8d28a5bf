// Live charts of one VM (CPU, memory, disk and network), drawn as SVG from the store's history of
// its polls; they move with each hostPolled event.
import type { FleetVm } from '../../../shared/contract/convirt-contract.js';
import { formatBytes, formatMiB, formatPercent } from '../common/format.js';
import { HISTORY_POINTS, useFleetStore } from '../store/fleet-store.js';
import type { VmKey } from '../store/vm-key.js';
import { rateSeries, valueSeries, type SeriesPoint } from './chart-series.js';

const EMPTY: never[] = [];
const WIDTH = 320;
const HEIGHT = 90;

export function LiveCharts({ vmKey, vm }: { vmKey: VmKey; vm: FleetVm }) {
  const history = useFleetStore((s) => s.history[vmKey] ?? EMPTY);
  const cpu = valueSeries(history, (p) => p.cpuPercent);
  const memory = valueSeries(history, (p) => p.memoryMiB);
  const disk = rateSeries(history, (p) => p.diskBytes);
  const net = rateSeries(history, (p) => p.netBytes);
  const cpuMax = Math.max(100, vm.vcpus * 100);
  return (
    <div className="charts">
      <Chart title="CPU" series={cpu} max={cpuMax} format={formatPercent} />
      <Chart
        title="Memory"
        series={memory}
        max={vm.maxMemoryMiB ?? Math.max(1, ...memory.map((p) => p.value))}
        format={formatMiB}
      />
      <Chart title="Disk I/O" series={disk} format={(v) => `${formatBytes(v)}/s`} />
      <Chart title="Network" series={net} format={(v) => `${formatBytes(v)}/s`} />
    </div>
  );
}

interface ChartProps {
  title: string;
  series: SeriesPoint[];
  /** Top of the scale; the series' own maximum when not given. */
  max?: number;
  format: (value: number) => string;
}

function Chart({ title, series, max, format }: ChartProps) {
  const latest = series.at(-1)?.value ?? null;
  const top = max ?? Math.max(1, ...series.map((p) => p.value)) * 1.1;
  const step = WIDTH / (HISTORY_POINTS - 1);
  const start = HISTORY_POINTS - series.length;
  const coords = series.map(
    (p, i) =>
      `${((start + i) * step).toFixed(1)},${(HEIGHT - (p.value / top) * HEIGHT).toFixed(1)}`,
  );
  const description =
    latest === null ? `${title}: no samples yet` : `${title}: ${format(latest)} now`;
  return (
    <figure className="chart">
      <figcaption>
        <span>{title}</span>
        <span className="chart-now">{latest === null ? '–' : format(latest)}</span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={description}
        preserveAspectRatio="none"
      >
        <line x1="0" y1={HEIGHT / 2} x2={WIDTH} y2={HEIGHT / 2} className="chart-grid" />
        {coords.length > 1 ? (
          <>
            <polygon
              className="chart-area"
              points={`${coords[0]!.split(',')[0]},${HEIGHT} ${coords.join(' ')} ${WIDTH},${HEIGHT}`}
            />
            <polyline className="chart-line" points={coords.join(' ')} />
          </>
        ) : null}
      </svg>
      {coords.length > 1 ? null : (
        <span className="chart-empty" aria-hidden="true">
          {series.length ? 'collecting…' : 'no data'}
        </span>
      )}
    </figure>
  );
}
