import { type FormEvent, useState } from 'react';
import { formatAge } from '../../../lib/format.js';
import { describeError } from '../../../lib/http.js';
import { Empty, QueryState } from '../../../lib/query-state.js';
import type { ServiceAction, ServiceStatus, StackStatus } from '../../../lib/stack-types.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';
import { FaultsPanel } from '../../faults/components/faults-panel.js';
import { NodesPanel } from '../../overview/components/nodes-panel.js';
import { useAppInfo } from '../api/app-info.js';
import { useScaleGateways, useServiceAction, useStack, useStackUpDown } from '../api/stack.js';
import { useStackEvents } from '../api/stack-events.js';
import { LogsPanel } from './logs-panel.js';

/** Services of the local stack with their controls, gateways and logs; needs the local daemon. */
export function StackView() {
  const connection = useConsoleConnection();
  return (
    <div className="stack-view">
      {connection.daemon ? <StackControl /> : <Unavailable />}
      {connection.daemon && <FaultsPanel />}
      <NodesPanel />
    </div>
  );
}

function Unavailable() {
  return (
    <section className="panel unavailable" aria-label="stack" data-testid="stack-unavailable">
      <h2>Stack control unavailable</h2>
      <p>
        This console was opened without the local daemon, so it cannot start, stop or scale services or show
        their logs. Open it with <code>relaybox console</code> (or from the desktop app) for stack control.
        The connections, rooms, traces and publish views work as long as the admin token is known.
      </p>
    </section>
  );
}

function StackControl() {
  const query = useStack();
  const progress = useStackEvents();
  const connection = useConsoleConnection();
  const appInfo = useAppInfo();
  const [logService, setLogService] = useState('');
  const services = query.data?.services ?? [];
  return (
    <>
      <section className="panel" aria-label="stack">
        <header className="panel-head">
          <h2>
            Stack{' '}
            {query.data && (
              <span className={`badge ${query.data.state}`} data-testid="stack-state">
                {query.data.engine} · {query.data.state}
              </span>
            )}
          </h2>
          {query.data && <StackButtons status={query.data} />}
        </header>
        {appInfo.data && (
          <p className="state" data-testid="engine-reason">
            {appInfo.data.engine} engine: {appInfo.data.engineReason}
          </p>
        )}
        {progress && (
          <p className="state loading" role="status">
            {progress}…
          </p>
        )}
        {connection.daemonError && (
          <p className="state error" role="alert">
            Daemon: {connection.daemonError}
          </p>
        )}
        <QueryState query={query} label="the stack">
          {services.length === 0 ? (
            <Empty>No service is running.</Empty>
          ) : (
            <ServicesTable services={services} onLogs={setLogService} />
          )}
        </QueryState>
      </section>
      {services.length > 0 && (
        <LogsPanel services={services.map((s) => s.name)} service={logService} onService={setLogService} />
      )}
    </>
  );
}

function StackButtons({ status }: { status: StackStatus }) {
  const upDown = useStackUpDown();
  const gateways = status.services.filter((s) => s.service === 'gateway').length;
  return (
    <div className="actions">
      {status.state === 'stopped' ? (
        <button type="button" onClick={() => upDown.mutate('up')} disabled={upDown.isPending}>
          Start stack
        </button>
      ) : (
        <>
          <ScaleForm current={gateways} />
          <button
            type="button"
            className="secondary"
            disabled={upDown.isPending}
            onClick={() => {
              // Stopping the stack also stops the gateway that serves this page (embedded engine).
              if (window.confirm('Stop every service of the stack?')) upDown.mutate('down');
            }}
          >
            Stop stack
          </button>
        </>
      )}
      {upDown.isError && <span className="error">{describeError(upDown.error)}</span>}
    </div>
  );
}

function ScaleForm({ current }: { current: number }) {
  const scale = useScaleGateways();
  const [replicas, setReplicas] = useState<number | undefined>(undefined);
  const value = replicas ?? Math.max(1, current);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    scale.mutate(value, { onSuccess: () => setReplicas(undefined) });
  };
  return (
    <form className="scale" onSubmit={submit} aria-label="scale gateways">
      <label>
        Gateways
        <input
          type="number"
          min={1}
          max={16}
          name="replicas"
          value={value}
          onChange={(event) => setReplicas(Number(event.target.value))}
        />
      </label>
      <button type="submit" disabled={scale.isPending || value === current}>
        {scale.isPending ? 'Scaling…' : 'Scale'}
      </button>
      {scale.isError && <span className="error">{describeError(scale.error)}</span>}
    </form>
  );
}

function ServicesTable({ services, onLogs }: { services: ServiceStatus[]; onLogs: (name: string) => void }) {
  const action = useServiceAction();
  const now = Date.now();
  const run = (name: string, verb: ServiceAction) => action.mutate({ name, action: verb });
  const busy = action.isPending ? action.variables?.name : undefined;
  return (
    <>
      {action.isError && (
        <p className="state error" role="alert">
          {action.variables?.action} {action.variables?.name} failed: {describeError(action.error)}
        </p>
      )}
      <div className="table-wrap">
        <table className="grid services">
          <thead>
            <tr>
              <th>Service</th>
              <th>State</th>
              <th className="wide-only">Since</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {services.map((s) => (
              <tr key={s.name} data-testid="service-row" data-service={s.name}>
                <td>
                  <strong>{s.name}</strong>
                  {s.detail && <div className="muted small">{s.detail}</div>}
                </td>
                <td>
                  <span className={`badge ${s.state}`} data-testid="service-state">
                    {s.state}
                  </span>
                </td>
                <td className="wide-only">{formatAge(s.since, now)}</td>
                <td>
                  <div className="actions">
                    {/* Only what the engine says it can do to this service now. */}
                    {s.actions.map((verb) => (
                      <button
                        key={verb}
                        type="button"
                        disabled={busy === s.name}
                        onClick={() => run(s.name, verb)}
                      >
                        {verb[0]!.toUpperCase() + verb.slice(1)}
                      </button>
                    ))}
                    <button type="button" className="link" onClick={() => onLogs(s.name)}>
                      Logs
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
