// The uPlot drawing of one performance chart: loaded only when a chart is first shown, so the
// window's first load does not carry the chart library.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartSpec } from './PerfCharts.js';

const HEIGHT = 140;

export default function UplotPlot({
  spec,
  times,
  values,
}: {
  spec: ChartSpec;
  times: number[];
  values: (number | null)[];
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const el = box.current!;
    const chart = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: HEIGHT,
        legend: { show: false },
        cursor: { y: false },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(max, 1) * 1.1] } },
        axes: [
          { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' } },
          {
            stroke: 'currentColor',
            grid: { stroke: 'rgba(128,128,128,0.2)' },
            size: 84,
            values: (_u, ticks) => ticks.map((v) => spec.format(v)),
          },
        ],
        series: [
          {},
          {
            label: `${spec.title} (${spec.unit})`,
            stroke: '#2f6fd6',
            fill: 'rgba(47,111,214,0.15)',
            width: 1.5,
            spanGaps: false,
          },
        ],
      },
      [[], []],
      el,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [spec]);

  useEffect(() => {
    plot.current?.setData([times, values]);
  });

  return <div ref={box} className="chart-plot" aria-hidden="true" />;
}
