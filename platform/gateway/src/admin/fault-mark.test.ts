import { describe, expect, it } from 'vitest';
import { parseFaultMark } from './fault-mark.js';

const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('parseFaultMark', () => {
  it('makes a fault trace event from the orchestrator, keeping a given time', () => {
    const ts = Date.now() - 5000;
    const event = parseFaultMark(body({ type: 'fault.injected', ts, detail: { id: 'f-1' } }));
    expect(event).toMatchObject({
      type: 'fault.injected',
      gateway: 'orchestrator',
      ts,
      detail: { id: 'f-1' },
    });
    expect(event.id).toMatch(/^fault-/);
  });

  it.each([
    ['not json', 'not valid JSON'],
    [JSON.stringify({ type: 'message.delivered', detail: {} }), '"type" must be one of'],
    [JSON.stringify({ type: 'fault.healed' }), '"detail" must be a JSON object'],
    [JSON.stringify({ type: 'fault.healed', detail: {}, ts: 1 }), '"ts" must be epoch ms'],
  ])('refuses %s', (raw, message) => {
    expect(() => parseFaultMark(Buffer.from(raw))).toThrow(message);
  });
});
