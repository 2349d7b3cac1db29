export interface RateSample {
  ts: number;
  rate: number;
}

const WIDTH = 600;
const HEIGHT = 120;
const PAD = 4;

/** Message rate over time as an inline SVG line (no chart library); scales to its container. */
export function RateChart({ samples }: { samples: readonly RateSample[] }) {
  const peak = Math.max(0, ...samples.map((s) => s.rate));
  // The y scale tops at 1 msg/s at least, so a quiet room draws a flat line at the bottom.
  const max = Math.max(1, peak);
  const first = samples[0]?.ts ?? 0;
  const span = Math.max(1, (samples.at(-1)?.ts ?? 0) - first);
  const points = samples
    .map((s) => {
      const x = PAD + ((s.ts - first) / span) * (WIDTH - 2 * PAD);
      const y = HEIGHT - PAD - (s.rate / max) * (HEIGHT - 2 * PAD);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  const latest = samples.at(-1)?.rate ?? 0;
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`message rate, now ${latest.toFixed(1)} per second`}
      >
        <line x1={0} y1={HEIGHT - PAD} x2={WIDTH} y2={HEIGHT - PAD} className="axis" />
        {samples.length > 1 && <polyline points={points} className="line" />}
      </svg>
      <figcaption>
        {latest.toFixed(1)} msg/s now · peak {peak.toFixed(1)} · last {Math.round(span / 1000)} s
      </figcaption>
    </figure>
  );
}
