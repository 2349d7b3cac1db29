import { describe, expect, it } from 'vitest';
import { childContext, formatTraceparent, newSpanId, newTraceId, parseTraceparent } from './trace-context.js';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('parses a W3C traceparent and formats it back', () => {
    const context = parseTraceparent(VALID);
    expect(context).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      sampled: true,
    });
    expect(formatTraceparent(context!)).toBe(VALID);
    expect(parseTraceparent(VALID.replace(/-01$/, '-00'))?.sampled).toBe(false);
    // A later version may append fields; version 00 may not.
    expect(parseTraceparent(`${VALID.replace(/^00/, '01')}-extra`)?.traceId).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
  });

  it('ignores malformed values (W3C: start a new trace), never throws', () => {
    for (const bad of [
      undefined,
      '',
      'garbage',
      VALID.toUpperCase(),
      VALID.replace('4bf92f3577b34da6a3ce929d0e0e4736', '0'.repeat(32)),
      VALID.replace('00f067aa0ba902b7', '0'.repeat(16)),
      VALID.replace(/^00/, 'ff'),
      `${VALID}-extra`,
      `${VALID}${'x'.repeat(600)}`,
      VALID.slice(0, 54),
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeUndefined();
    }
  });

  it('makes random non-zero ids and children in the parent trace', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newSpanId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(newTraceId()).toMatch(/^[0-9a-f]{32}$/);
    const parent = parseTraceparent(VALID)!;
    const child = childContext(parent);
    expect(child.traceId).toBe(parent.traceId);
    expect(child.spanId).not.toBe(parent.spanId);
    const root = childContext(undefined);
    expect(root.sampled).toBe(true);
    expect(root.traceId).not.toBe(parent.traceId);
  });
});
