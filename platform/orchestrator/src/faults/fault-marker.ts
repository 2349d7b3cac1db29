import type { FaultRecord } from '@relaybox/protocol';

/** Where marks go: the stack's admin API (any gateway) and its token; undefined while it is down. */
export type AdminTarget = () => { admin: string; adminToken: string } | undefined;

const TRIES = 5;
const RETRY_MS = 1000;
const TIMEOUT_MS = 2000;

/**
 * Puts each fault's start and end on the traces timeline: `POST /v1/admin/traces/marks` on the
 * stack itself, so the console's traces view and live feed show them between the message hops.
 * Best effort in the background: a mark that cannot be written now (the fault cut the gateway's
 * Redis link, a paused gateway got the request) is retried a few times, keeping its own time.
 */
export class FaultMarker {
  constructor(
    private readonly target: AdminTarget,
    private readonly onFailure: (message: string) => void = () => {},
  ) {}

  mark(type: 'fault.injected' | 'fault.healed', record: FaultRecord, summary: string): void {
    const ts = type === 'fault.injected' ? record.startedAt : (record.endedAt ?? Date.now());
    void this.send({ type, ts, detail: { ...record, summary } });
  }

  private async send(body: Record<string, unknown>, attempt = 1): Promise<void> {
    const target = this.target();
    if (!target) return;
    try {
      const res = await fetch(`${target.admin}/traces/marks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${target.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.arrayBuffer();
      if (res.ok) return;
      throw new Error(`HTTP ${res.status}`);
    } catch (error) {
      if (attempt >= TRIES) {
        this.onFailure(`fault mark ${String(body.type)} not written: ${(error as Error).message}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
      await this.send(body, attempt + 1);
    }
  }
}
