import { connect } from 'node:net';
import type { Loose } from './pod-container.js';

/**
 * One kubelet probe of a pod's container against its address: `httpGet` (a 200-399 status within
 * timeoutSeconds) or `tcpSocket` (a connect within timeoutSeconds). Named ports are resolved
 * against the container's declared ports. Exec probes are not used by these manifests.
 */
export async function runProbe(probe: Loose, container: Loose, ip: string): Promise<boolean> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, container);
    try {
      const res = await fetch(`http://${ip}:${port}${probe.httpGet.path ?? '/'}`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer();
      return res.status >= 200 && res.status < 400;
    } catch {
      return false;
    }
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, container);
    return new Promise((resolve) => {
      const socket = connect({ host: ip, port, timeout: timeoutMs });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
      socket.once('timeout', () => done(false));
    });
  }
  throw new Error(`unsupported probe ${JSON.stringify(probe)}`);
}

export function resolvePort(port: number | string, container: Loose): number {
  if (typeof port === 'number') return port;
  const declared = (container.ports ?? []).find((p: Loose) => p.name === port);
  if (!declared) throw new Error(`container ${container.name} declares no port named ${port}`);
  return declared.containerPort;
}

/**
 * Consecutive results against successThreshold / failureThreshold, as the kubelet counts them.
 * `state` starts false (readiness) or true (liveness) and flips only past a threshold.
 */
export class ProbeCounter {
  private successes = 0;
  private failures = 0;

  constructor(
    private readonly probe: Loose,
    public state: boolean,
  ) {}

  record(ok: boolean): boolean {
    if (ok) {
      this.failures = 0;
      this.successes++;
      if (this.successes >= (this.probe.successThreshold ?? 1)) this.state = true;
    } else {
      this.successes = 0;
      this.failures++;
      if (this.failures >= (this.probe.failureThreshold ?? 3)) this.state = false;
    }
    return this.state;
  }
}
