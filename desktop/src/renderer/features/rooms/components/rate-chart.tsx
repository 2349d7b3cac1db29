import { inWindow, type RateSample, WINDOW_MS } from '../api/rate-window.js';

const WIDTH = 600;
const HEIGHT = 140;
/** Room for the y labels on the left and the x labels below. */
const LEFT = 34;
const RIGHT = 6;
const TOP = 8;
const BOTTOM = 20;
const X_TICKS_S = [60, 45, 30, 15, 0];

/**
 * Message rate over the last minute as an inline SVG (no chart library): one point per second,
 * x from 60 s ago to the newest reading, y from 0 to a rounded peak, with labelled axes.
 * `data-points` carries how many readings are drawn (tests read it).
 */
export function RateChart({ samples }: { samples: readonly RateSample[] }) {
  const end = samples.at(-1)?.ts ?? 0;
  const shown = inWindow(samples, end, WINDOW_MS);
  const peak = Math.max(0, ...shown.map((s) => s.rate));
  const max = niceMax(peak);
  const x = (ts: number) => LEFT + (1 - (end - ts) / WINDOW_MS) * (WIDTH - LEFT - RIGHT);
  const y = (rate: number) => HEIGHT - BOTTOM - (rate / max) * (HEIGHT - TOP - BOTTOM);
  const points = shown.map((s) => `${x(s.ts).toFixed(1)},${y(s.rate).toFixed(1)}`).join(' ');
  const latest = shown.at(-1)?.rate ?? 0;
  const seconds = shown.length > 1 ? Math.round((end - (shown[0]?.ts ?? end)) / 1000) : 0;
  return (
    <figure className="chart" data-testid="rate-chart" data-points={shown.length}>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`message rate over the last minute, now ${latest.toFixed(1)} per second`}
      >
        <line x1={LEFT} y1={HEIGHT - BOTTOM} x2={WIDTH - RIGHT} y2={HEIGHT - BOTTOM} className="axis" />
        <line x1={LEFT} y1={TOP} x2={LEFT} y2={HEIGHT - BOTTOM} className="axis" />
        <line x1={LEFT} y1={y(max)} x2={WIDTH - RIGHT} y2={y(max)} className="grid" />
        <line x1={LEFT} y1={y(max / 2)} x2={WIDTH - RIGHT} y2={y(max / 2)} className="grid" />
        {[0, max / 2, max].map((v) => (
          <text key={v} x={LEFT - 4} y={y(v) + 4} textAnchor="end" className="tick">
            {formatRate(v)}
          </text>
        ))}
        {X_TICKS_S.map((s) => (
          <text
            key={s}
            x={x(end - s * 1000)}
            y={HEIGHT - 4}
            textAnchor={s === 60 ? 'start' : s === 0 ? 'end' : 'middle'}
            className="tick"
          >
            {s === 0 ? 'now' : `−${s} s`}
          </text>
        ))}
        {shown.length > 1 && <polyline points={points} className="line" />}
        {shown.map((s) => (
          <circle key={s.ts} cx={x(s.ts)} cy={y(s.rate)} r={1.8} className="point" />
        ))}
      </svg>
      <figcaption>
        {latest.toFixed(1)} msg/s now · peak {peak.toFixed(1)} · {shown.length} readings over {seconds} s
      </figcaption>
    </figure>
  );
}

/** The y scale's top: at least 1 msg/s (a quiet room draws along the bottom), rounded up to 1, 2 or 5 × 10ⁿ. */
export function niceMax(peak: number): number {
  if (peak <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(peak));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= peak) return step * magnitude;
  return 10 * magnitude;
}

function formatRate(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
