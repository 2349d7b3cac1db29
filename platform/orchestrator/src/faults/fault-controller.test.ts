import type { FaultSpec } from '@relaybox/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OrchestratorError, type StackEvent } from '../engine.js';
import { FaultController } from './fault-controller.js';

afterEach(() => {
  vi.useRealTimers();
});

function controller() {
  const events: StackEvent[] = [];
  const healed: string[] = [];
  const faults = new FaultController(
    'native',
    async (spec: FaultSpec) => {
      if (spec.kind === 'gateway.pause')
        return { detail: 'SIGSTOP', heal: async () => void healed.push(spec.target ?? '') };
      if (spec.kind === 'worker.restart') return { detail: 'restarted' };
      throw new OrchestratorError('fault_unsupported', `cannot ${spec.kind}`);
    },
    (event) => events.push(event),
  );
  const states = () =>
    events.map((e) => (e.type === 'fault' ? `${e.fault.spec.kind}:${e.fault.state}` : e.type));
  return { faults, events, healed, states };
}

describe('FaultController', () => {
  it('heals a lasting fault after its duration (default 10 s) and reports start and end', async () => {
    vi.useFakeTimers();
    const { faults, healed, states } = controller();
    const record = await faults.inject({ kind: 'gateway.pause', target: 'gateway-1' });
    expect(record).toMatchObject({ state: 'active', detail: 'SIGSTOP', spec: { durationMs: 10_000 } });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(healed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(healed).toEqual(['gateway-1']);
    expect(states()).toEqual(['gateway.pause:active', 'gateway.pause:healed']);
    expect(faults.list()[0]).toMatchObject({ id: record.id, state: 'healed', endedBy: 'timer' });
  });

  it('heal ends it early, once; a one-shot fault ends at once; unknown ids are refused', async () => {
    const { faults, healed, states } = controller();
    const record = await faults.inject({ kind: 'gateway.pause', target: 'gateway-2', durationMs: 60_000 });
    expect(await faults.heal(record.id)).toMatchObject({ state: 'healed', endedBy: 'heal' });
    expect(await faults.heal(record.id)).toMatchObject({ state: 'healed', endedBy: 'heal' });
    expect(healed).toEqual(['gateway-2']);
    const once = await faults.inject({ kind: 'worker.restart' });
    expect(faults.list().find((f) => f.id === once.id)).toMatchObject({ state: 'healed', endedBy: 'done' });
    expect(states()).toEqual([
      'gateway.pause:active',
      'gateway.pause:healed',
      'worker.restart:active',
      'worker.restart:healed',
    ]);
    await expect(faults.heal('f-unknown')).rejects.toMatchObject({ code: 'fault_not_found' });
  });

  it('passes the driver error on and records nothing', async () => {
    const { faults, events } = controller();
    await expect(faults.inject({ kind: 'link.cut' })).rejects.toMatchObject({ code: 'fault_unsupported' });
    await expect(faults.inject({ kind: 'nope' } as never)).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect(events).toEqual([]);
    expect(faults.list()).toEqual([]);
  });

  it('healAll (the stack going down) ends every active fault', async () => {
    const { faults, healed } = controller();
    await faults.inject({ kind: 'gateway.pause', target: 'a', durationMs: 60_000 });
    await faults.inject({ kind: 'gateway.pause', target: 'b', durationMs: 60_000 });
    await faults.healAll();
    expect(healed.sort()).toEqual(['a', 'b']);
    expect(faults.list().every((f) => f.state === 'healed' && f.endedBy === 'down')).toBe(true);
  });
});
