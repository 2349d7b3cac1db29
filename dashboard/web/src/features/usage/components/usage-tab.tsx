import { useState } from 'react';
import { EmptyState, ErrorState, Loading } from '../../../components/status.js';
import { useCurrentApp } from '../../apps/components/app-page.js';
import { useUsage } from '../api/usage.js';
import { UsageChart } from './usage-chart.js';

const RANGES = [7, 30, 90] as const;

export function UsageTab() {
  const app = useCurrentApp();
  const [days, setDays] = useState<number>(30);
  const usage = useUsage(app.id, days);
  const empty = usage.data?.every((d) => d.connections === 0 && d.messages === 0 && d.peakConcurrent === 0);
  return (
    <>
      <div className="section-head">
        <h2>Usage</h2>
        <label className="field inline">
          <span>Range</span>
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {RANGES.map((n) => (
              <option key={n} value={n}>
                Last {n} days
              </option>
            ))}
          </select>
        </label>
      </div>
      {usage.isPending && <Loading label="Loading usage…" />}
      {usage.isError && <ErrorState error={usage.error} onRetry={() => usage.refetch()} />}
      {usage.data && empty && (
        <EmptyState title="No usage in this period">
          Connections and messages through your gateways show up here, per UTC day.
        </EmptyState>
      )}
      {usage.data && !empty && (
        <div className="charts">
          <UsageChart title="Connections" days={usage.data} metric="connections" kind="bars" />
          <UsageChart title="Messages" days={usage.data} metric="messages" kind="bars" />
          <UsageChart title="Peak concurrent" days={usage.data} metric="peakConcurrent" kind="line" />
        </div>
      )}
    </>
  );
}
