import { describe, expect, it } from 'vitest';
import { LogBuffer, type LogEvent } from './log-buffer.js';

describe('LogBuffer', () => {
  it('splits chunks into lines per stream, keeping a partial line until its end arrives', () => {
    const buffer = new LogBuffer('gateway-1');
    buffer.write('stdout', 'one\ntw');
    buffer.write('stderr', 'err\r\n');
    buffer.write('stdout', 'o\nthr');
    expect(buffer.tail(10).map((e) => `${e.stream}:${e.line}`)).toEqual([
      'stdout:one',
      'stderr:err',
      'stdout:two',
    ]);
    buffer.flush();
    expect(buffer.tail(1)[0]).toMatchObject({ type: 'log', service: 'gateway-1', line: 'thr' });
  });

  it('keeps the last N lines and feeds followers until they stop', () => {
    const buffer = new LogBuffer('worker', 3);
    const seen: LogEvent[] = [];
    const stop = buffer.follow((e) => seen.push(e));
    for (let i = 0; i < 5; i++) buffer.push('stdout', `line ${i}`);
    stop();
    buffer.push('stdout', 'after');
    expect(buffer.tail(10).map((e) => e.line)).toEqual(['line 3', 'line 4', 'after']);
    expect(seen).toHaveLength(5);
    expect(buffer.tail(0)).toEqual([]);
    expect(buffer.text(2)).toBe('line 4\nafter');
  });
});
