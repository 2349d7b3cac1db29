import { formatNumber } from '../../../lib/format.js';
import type { UsageDay } from '../api/usage.js';

const WIDTH = 600;
const HEIGHT = 180;
const PAD = { top: 10, right: 8, bottom: 4, left: 8 };

/**
 * One metric per day as inline SVG (no chart library): bars, or a line for gauges. The SVG
 * scales to its container's width, so it never causes horizontal scrolling.
 */
export function UsageChart({
  title,
  days,
  metric,
  kind,
}: {
  title: string;
  days: UsageDay[];
  metric: 'connections' | 'messages' | 'peakConcurrent';
  kind: 'bars' | 'line';
}) {
  const values = days.map((d) => d[metric]);
  const peak = Math.max(0, ...values);
  const max = Math.max(1, peak);
  const total = values.reduce((a, b) => a + b, 0);
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const step = innerW / Math.max(1, days.length);
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const x = (i: number) => PAD.left + i * step + step / 2;
  const summary = kind === 'line' ? `max ${formatNumber(peak)}` : `total ${formatNumber(total)}`;
  return (
    <figure className="chart" data-metric={metric}>
      <figcaption>
        <strong>{title}</strong> <span className="muted">{summary}</span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title} per day, ${summary}`}>
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(0)} y2={y(0)} className="axis" />
        {kind === 'bars'
          ? days.map((d, i) => (
              <rect
                key={d.day}
                x={x(i) - step * 0.35}
                width={step * 0.7}
                y={y(d[metric])}
                height={y(0) - y(d[metric])}
                className="bar"
              >
                <title>{`${d.day}: ${formatNumber(d[metric])}`}</title>
              </rect>
            ))
          : days.length > 0 && (
              <polyline
                className="line"
                fill="none"
                points={days.map((d, i) => `${x(i)},${y(d[metric])}`).join(' ')}
              />
            )}
      </svg>
      {days.length > 0 && (
        <div className="chart-range" aria-hidden="true">
          <span>{days[0]?.day}</span>
          <span>{days[days.length - 1]?.day}</span>
        </div>
      )}
    </figure>
  );
}
