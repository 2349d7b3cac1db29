import {
  reportToMarkdown,
  VERIFY_LIMITS,
  VERIFY_PLANS,
  type VerifyPlan,
  type VerifyReport,
} from '@relaybox/protocol';
import { type FormEvent, useState } from 'react';
import { describeError } from '../../../lib/http.js';
import { Link } from '../../../lib/link.js';
import { traceRoute } from '../../../lib/router.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';
import { useLastVerify, useRunVerify } from '../api/verify.js';
import { DeliveryChart } from './delivery-chart.js';

/** The guarantee verifier: run a workload under a fault plan, then read what the app saw. */
export function VerifyPage() {
  const connection = useConsoleConnection();
  const last = useLastVerify();
  const run = useRunVerify();
  if (!connection.daemon)
    return (
      <section className="panel unavailable" aria-label="verify">
        <h2>Verifier unavailable</h2>
        <p>The verifier runs in the local daemon: open the console with `relaybox console`.</p>
      </section>
    );
  const report = run.data ?? last.data?.report ?? null;
  return (
    <div className="verify-view">
      <section className="panel" aria-label="verify">
        <header className="panel-head">
          <h2>Guarantee verifier</h2>
        </header>
        <VerifyForm running={run.isPending} onRun={(request) => run.mutate(request)} />
        {run.isPending && (
          <p className="state loading" role="status">
            Running the workload and its fault plan…
          </p>
        )}
        {run.isError && (
          <p className="state error" role="alert">
            {describeError(run.error)}
          </p>
        )}
      </section>
      {report && <ReportView report={report} />}
    </div>
  );
}

function VerifyForm({
  running,
  onRun,
}: {
  running: boolean;
  onRun: (request: VerifyReport['request']) => void;
}) {
  const d = VERIFY_LIMITS.defaults;
  const [plan, setPlan] = useState<VerifyPlan>('gateway-kill');
  const [clients, setClients] = useState(String(d.clients));
  const [rooms, setRooms] = useState(String(d.rooms));
  const [rate, setRate] = useState(String(d.ratePerRoom));
  const [seconds, setSeconds] = useState(String(d.durationMs / 1000));
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    onRun({
      plan,
      clients: Number(clients),
      rooms: Number(rooms),
      ratePerRoom: Number(rate),
      durationMs: Math.round(Number(seconds) * 1000),
    });
  };
  return (
    <form className="fault-form" onSubmit={onSubmit} aria-label="run the verifier">
      <label>
        Plan
        <select
          value={plan}
          onChange={(e) => setPlan(e.target.value as VerifyPlan)}
          data-testid="verify-plan"
        >
          {VERIFY_PLANS.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
      </label>
      <label>
        Clients
        <input value={clients} onChange={(e) => setClients(e.target.value)} inputMode="numeric" />
      </label>
      <label>
        Rooms
        <input value={rooms} onChange={(e) => setRooms(e.target.value)} inputMode="numeric" />
      </label>
      <label>
        msg/s per room
        <input value={rate} onChange={(e) => setRate(e.target.value)} inputMode="numeric" />
      </label>
      <label>
        Duration (s)
        <input value={seconds} onChange={(e) => setSeconds(e.target.value)} inputMode="decimal" />
      </label>
      <button type="submit" disabled={running} data-testid="verify-run">
        Run
      </button>
    </form>
  );
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

function ReportView({ report }: { report: VerifyReport }) {
  const ms = (v: number | null) => (v === null ? 'n/a' : `${v} ms`);
  const stamp = new Date(report.startedAt).toISOString().replace(/[:.]/g, '-');
  return (
    <section className="panel" aria-label="verify report" data-testid="verify-report">
      <header className="panel-head">
        <h2>
          {report.request.plan}{' '}
          <span
            className={`badge ${report.verdict === 'pass' ? 'healthy' : 'exited'}`}
            data-testid="verify-verdict"
          >
            {report.verdict}
          </span>
        </h2>
        <div>
          <button
            type="button"
            onClick={() =>
              download(`verify-${stamp}.json`, 'application/json', JSON.stringify(report, null, 2))
            }
          >
            Export JSON
          </button>{' '}
          <button
            type="button"
            onClick={() => download(`verify-${stamp}.md`, 'text/markdown', reportToMarkdown(report))}
          >
            Export Markdown
          </button>
        </div>
      </header>
      <p>
        {report.engine} engine, {report.gateways} gateway(s): {report.request.clients} clients over{' '}
        {report.request.rooms} rooms, {report.request.ratePerRoom} msg/s per room for{' '}
        {report.request.durationMs / 1000} s.
      </p>
      <DeliveryChart report={report} />
      <div className="table-wrap">
        <table className="grid">
          <thead>
            <tr>
              <th>room</th>
              <th>acked</th>
              <th>delivered / expected</th>
              <th>lost</th>
              <th>duplicated</th>
              <th>out of order</th>
              <th>resumes / reconnects</th>
              <th>discontinuities</th>
              <th>presence</th>
              <th>p50</th>
              <th>p99</th>
            </tr>
          </thead>
          <tbody>
            {report.rooms.map((r) => (
              <tr key={r.room} data-testid="verify-room">
                <td>{r.room}</td>
                <td>
                  {r.acked}
                  {r.unacked > 0 ? ` (+${r.unacked} unacked)` : ''}
                </td>
                <td>
                  {r.delivered} / {r.expected}
                </td>
                <td>{r.lost}</td>
                <td>{r.duplicated}</td>
                <td>{r.outOfOrder}</td>
                <td>
                  {r.resumes} / {r.reconnects}
                </td>
                <td>{r.discontinuities}</td>
                <td>{ms(r.presenceConvergedMs)}</td>
                <td>{ms(r.latencyP50Ms)}</td>
                <td>{ms(r.latencyP99Ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {report.lostMessages.length > 0 && (
        <>
          <h3>Lost messages</h3>
          <ul data-testid="verify-lost">
            {report.lostMessages.map((m) => (
              <li key={`${m.room}/${m.messageId}`}>
                {m.room} seq {m.seq}, missed by {m.missedBy.length} client(s):{' '}
                <Link to={traceRoute(m.messageId)}>trace {m.messageId}</Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
