import { randomBytes } from 'node:crypto';
import {
  describeFault,
  FAULT_LIMITS,
  type FaultRecord,
  type FaultSpec,
  faultLasts,
  parseFaultSpec,
} from '@relaybox/protocol';
import { type EngineFaults, OrchestratorError, type StackEvent } from '../engine.js';
import type { FaultMarker } from './fault-marker.js';

/** What an engine did to apply one fault, and how to undo it. */
export interface AppliedFault {
  /** `SIGSTOP pid 123 (gateway-1)`: shown in the record. */
  detail: string;
  /** Undoes a lasting fault (SIGCONT, restore the links); absent for one-shot faults. */
  heal?: () => Promise<void>;
  /** A one-shot fault that ends later by itself (a killed gateway back and healthy). */
  settled?: Promise<void>;
}

/** The engine-specific part: applies one validated spec or throws `OrchestratorError`. */
export type FaultDriver = (spec: FaultSpec) => Promise<AppliedFault>;

/** Ended faults kept for `list`. */
const KEPT_ENDED = 50;

/**
 * Fault lifecycle for any engine: validates the spec, applies it through the engine's driver,
 * heals it when its duration is over (or on `heal`, or when the stack goes down), and reports every
 * start and end on the engine's event stream and as a mark on the traces timeline.
 */
export class FaultController implements EngineFaults {
  private readonly active = new Map<
    string,
    { record: FaultRecord; applied: AppliedFault; timer?: NodeJS.Timeout }
  >();
  private readonly ended: FaultRecord[] = [];

  constructor(
    private readonly engine: string,
    private readonly driver: FaultDriver,
    private readonly emit: (event: StackEvent) => void,
    private readonly marker?: FaultMarker,
  ) {}

  async inject(input: FaultSpec): Promise<FaultRecord> {
    const spec = parseFaultSpec(input);
    if (this.active.size >= FAULT_LIMITS.maxActive)
      throw new OrchestratorError(
        'invalid_argument',
        `${FAULT_LIMITS.maxActive} faults are already active: heal one first (relaybox fault heal)`,
      );
    const lasts = faultLasts(spec.kind);
    if (lasts && spec.durationMs === undefined) spec.durationMs = FAULT_LIMITS.defaultDurationMs;
    const applied = await this.driver(spec);
    const record: FaultRecord = {
      id: `f-${randomBytes(6).toString('hex')}`,
      spec,
      engine: this.engine,
      state: 'active',
      startedAt: Date.now(),
      detail: applied.detail,
    };
    const entry: { record: FaultRecord; applied: AppliedFault; timer?: NodeJS.Timeout } = { record, applied };
    this.active.set(record.id, entry);
    this.report('fault.injected', record);
    if (lasts) {
      entry.timer = setTimeout(() => void this.end(record.id, 'timer').catch(() => {}), spec.durationMs);
      entry.timer.unref();
    } else if (applied.settled) {
      applied.settled.then(
        () => void this.end(record.id, 'done').catch(() => {}),
        (error: unknown) => void this.end(record.id, 'done', error).catch(() => {}),
      );
    } else {
      await this.end(record.id, 'done');
    }
    return { ...record };
  }

  async heal(id: string): Promise<FaultRecord> {
    if (!this.active.has(id)) {
      const ended = this.ended.find((r) => r.id === id);
      if (ended) return { ...ended };
      throw new OrchestratorError('fault_not_found', `no fault "${id}" (relaybox fault list shows them)`);
    }
    return this.end(id, 'heal');
  }

  list(): FaultRecord[] {
    return [...[...this.active.values()].map((e) => ({ ...e.record })), ...this.ended.map((r) => ({ ...r }))];
  }

  /** Heals every active fault (the stack is going down): links restored, processes continued. */
  async healAll(): Promise<void> {
    await Promise.allSettled([...this.active.keys()].map((id) => this.end(id, 'down')));
  }

  private async end(
    id: string,
    by: NonNullable<FaultRecord['endedBy']>,
    failure?: unknown,
  ): Promise<FaultRecord> {
    const entry = this.active.get(id);
    if (!entry) return { ...(this.ended.find((r) => r.id === id) as FaultRecord) };
    this.active.delete(id);
    clearTimeout(entry.timer);
    let error = failure;
    if (entry.applied.heal) await entry.applied.heal().catch((e: unknown) => (error = e));
    const record: FaultRecord = {
      ...entry.record,
      state: error === undefined ? 'healed' : 'failed',
      endedAt: Date.now(),
      endedBy: by,
      ...(error === undefined
        ? {}
        : { detail: `${entry.record.detail}; ${String((error as Error).message ?? error)}` }),
    };
    this.ended.unshift(record);
    this.ended.length = Math.min(this.ended.length, KEPT_ENDED);
    this.report('fault.healed', record);
    return { ...record };
  }

  private report(type: 'fault.injected' | 'fault.healed', record: FaultRecord): void {
    this.emit({ type: 'fault', fault: { ...record } });
    this.marker?.mark(type, record, describeFault(record.spec));
  }
}
