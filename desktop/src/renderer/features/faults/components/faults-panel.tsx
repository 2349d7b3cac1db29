import { describeFault, FAULT_KINDS, FAULT_LINKS, type FaultKind, type FaultSpec } from '@relaybox/protocol';
import { type FormEvent, useState } from 'react';
import { formatAge } from '../../../lib/format.js';
import { describeError } from '../../../lib/http.js';
import { Empty, QueryState } from '../../../lib/query-state.js';
import { useFaults, useHealFault, useInjectFault } from '../api/faults.js';
import { ConnectionPicker } from './connection-picker.js';

/** Inject a fault into the local stack, see the active and recent ones, heal them (needs the daemon). */
export function FaultsPanel() {
  const query = useFaults();
  const heal = useHealFault();
  const items = query.data?.items ?? [];
  return (
    <section className="panel" aria-label="faults" data-testid="faults-panel">
      <header className="panel-head">
        <h2>Faults</h2>
      </header>
      <FaultForm />
      <QueryState query={query} label="the faults">
        {items.length === 0 ? (
          <Empty>No fault injected yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="grid">
              <thead>
                <tr>
                  <th>fault</th>
                  <th>state</th>
                  <th>started</th>
                  <th>what happened</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {items.map((fault) => (
                  <tr key={fault.id} data-testid="fault-row">
                    <td>{describeFault(fault.spec)}</td>
                    <td>
                      <span className={`badge ${fault.state === 'active' ? 'unhealthy' : 'healthy'}`}>
                        {fault.state}
                        {fault.endedBy ? ` (${fault.endedBy})` : ''}
                      </span>
                    </td>
                    <td>{formatAge(fault.startedAt)}</td>
                    <td>{fault.detail}</td>
                    <td>
                      {fault.state === 'active' && (
                        <button type="button" disabled={heal.isPending} onClick={() => heal.mutate(fault.id)}>
                          Heal
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      {heal.isError && (
        <p className="state error" role="alert">
          {describeError(heal.error)}
        </p>
      )}
    </section>
  );
}

function FaultForm() {
  const inject = useInjectFault();
  const [kind, setKind] = useState<FaultKind>('gateway.pause');
  const [target, setTarget] = useState('gateway-1');
  const [link, setLink] = useState('all');
  const [seconds, setSeconds] = useState('10');
  const [latency, setLatency] = useState('');
  const [jitter, setJitter] = useState('');
  const [bandwidth, setBandwidth] = useState('');
  const [dropRate, setDropRate] = useState('');
  const [connection, setConnection] = useState('');
  const [readRate, setReadRate] = useState('0');
  const isLink = kind.startsWith('link.');
  const isClient = kind.startsWith('client.');
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const spec: FaultSpec = { kind };
    if (isClient) {
      if (connection) spec.target = connection;
    } else if (target.trim()) spec.target = target.trim();
    if (isLink) spec.link = link as FaultSpec['link'];
    if (seconds.trim()) spec.durationMs = Math.round(Number(seconds) * 1000);
    if (latency.trim()) spec.latencyMs = Number(latency);
    if (jitter.trim()) spec.jitterMs = Number(jitter);
    if (bandwidth.trim()) spec.bandwidthBytesPerSec = Number(bandwidth);
    if (dropRate.trim()) spec.dropRate = Number(dropRate);
    if (kind === 'client.slow' && readRate.trim()) spec.readBytesPerSec = Number(readRate);
    inject.mutate(spec);
  };
  return (
    <form className="fault-form" onSubmit={onSubmit} aria-label="inject a fault">
      <label>
        Kind
        <select value={kind} onChange={(e) => setKind(e.target.value as FaultKind)} data-testid="fault-kind">
          {FAULT_KINDS.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
      </label>
      {isClient ? (
        <ConnectionPicker value={connection} onChange={setConnection} />
      ) : (
        <label>
          Target
          <input
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            placeholder="gateway-1, gateway"
            data-testid="fault-target"
          />
        </label>
      )}
      {isLink && (
        <label>
          Link
          <select value={link} onChange={(e) => setLink(e.target.value)} data-testid="fault-link">
            {FAULT_LINKS.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
      )}
      <label>
        Duration (s)
        <input
          value={seconds}
          onChange={(e) => setSeconds(e.target.value)}
          inputMode="decimal"
          data-testid="fault-duration"
        />
      </label>
      {kind === 'link.slow' && (
        <>
          <label>
            Latency (ms)
            <input value={latency} onChange={(e) => setLatency(e.target.value)} inputMode="numeric" />
          </label>
          <label>
            Jitter (ms)
            <input value={jitter} onChange={(e) => setJitter(e.target.value)} inputMode="numeric" />
          </label>
          <label>
            Bandwidth (B/s)
            <input value={bandwidth} onChange={(e) => setBandwidth(e.target.value)} inputMode="numeric" />
          </label>
          <label>
            Drop rate (0–1)
            <input value={dropRate} onChange={(e) => setDropRate(e.target.value)} inputMode="decimal" />
          </label>
        </>
      )}
      {kind === 'client.slow' && (
        <label>
          Read rate (B/s)
          <input
            value={readRate}
            onChange={(e) => setReadRate(e.target.value)}
            inputMode="numeric"
            data-testid="fault-read-rate"
          />
        </label>
      )}
      <button type="submit" disabled={inject.isPending} data-testid="fault-inject">
        Inject
      </button>
      {inject.isError && (
        <p className="state error" role="alert">
          {describeError(inject.error)}
        </p>
      )}
    </form>
  );
}
