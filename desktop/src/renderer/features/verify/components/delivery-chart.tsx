import type { VerifyReport } from '@relaybox/protocol';

const WIDTH = 600;
const HEIGHT = 120;

/** Delivered messages per second over the run as bars, with each fault's window shaded. */
export function DeliveryChart({ report }: { report: VerifyReport }) {
  const values = report.deliveredPerSecond;
  const max = Math.max(1, ...values);
  const seconds = Math.max(1, values.length, Math.ceil((report.endedAt - report.startedAt) / 1000));
  const x = (ms: number) => (Math.max(0, ms - report.startedAt) / 1000 / seconds) * WIDTH;
  const bar = WIDTH / seconds;
  return (
    <svg
      className="delivery-chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={`delivered messages per second over ${seconds} s, at most ${max}`}
      data-testid="delivery-chart"
    >
      {report.faults.map((f) => (
        <rect
          key={f.id}
          x={x(f.startedAt)}
          width={Math.max(2, x(f.endedAt ?? report.endedAt) - x(f.startedAt))}
          y={0}
          height={HEIGHT}
          className="fault-window"
        >
          <title>{f.spec.kind}</title>
        </rect>
      ))}
      {values.map((v, i) => (
        <rect
          // biome-ignore lint/suspicious/noArrayIndexKey: one bar per second of the run
          key={i}
          x={i * bar + 0.5}
          width={Math.max(1, bar - 1)}
          y={HEIGHT - (v / max) * HEIGHT}
          height={(v / max) * HEIGHT}
          className="delivered-bar"
        >
          <title>{`${i} s: ${v} delivered`}</title>
        </rect>
      ))}
    </svg>
  );
}
