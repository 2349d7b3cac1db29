import { describe, expect, it } from 'vitest';
import { parseKeyEvent } from './key-event-stream.js';
import { type SseEvent, SseParser } from './sse-parser.js';

function parse(chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

describe('SseParser', () => {
  it('dispatches events on a blank line, skipping comments', () => {
    expect(parse(['event: ready\ndata: {}\n\n: ping\n\nevent: revoke\ndata: {"a":1}\n\n'])).toEqual([
      { event: 'ready', data: '{}' },
      { event: 'revoke', data: '{"a":1}' },
    ]);
  });

  it('joins data lines, defaults the event name and ignores id/retry/unknown fields', () => {
    expect(parse(['id: 7\nretry: 10\nfoo: bar\ndata: a\ndata:b\ndata\n\n'])).toEqual([
      { event: 'message', data: 'a\nb\n' },
    ]);
  });

  it('handles lines and CRLF split across chunks, and CR alone', () => {
    const text = 'event: revoke\r\ndata: {"appId":"a","keyId":"k"}\r\n\r\nevent: ready\rdata: {}\r\r';
    const oneByOne = parse([...text]);
    expect(oneByOne).toEqual([
      { event: 'revoke', data: '{"appId":"a","keyId":"k"}' },
      { event: 'ready', data: '{}' },
    ]);
    expect(parse([text.slice(0, 14), text.slice(14, 15), text.slice(15)])).toEqual(oneByOne);
  });

  it('does not dispatch an unterminated event', () => {
    expect(parse(['event: ready\ndata: {}\n'])).toEqual([]);
  });

  it('refuses a line longer than the bound instead of buffering forever', () => {
    const parser = new SseParser(() => {}, 100);
    expect(() => parser.push('x'.repeat(101))).toThrow(/longer than 100/);
  });
});

describe('parseKeyEvent', () => {
  it('accepts the events of the contract and nothing else', () => {
    expect(parseKeyEvent('ready', '{}')).toEqual({ type: 'ready' });
    expect(parseKeyEvent('revoke', '{"appId":"a","keyId":"k"}')).toEqual({
      type: 'revoke',
      appId: 'a',
      keyId: 'k',
    });
    expect(parseKeyEvent('app-deleted', '{"appId":"a"}')).toEqual({ type: 'app-deleted', appId: 'a' });
    expect(parseKeyEvent('app-updated', '{"appId":"a"}')).toEqual({ type: 'app-updated', appId: 'a' });
    expect(parseKeyEvent('app-updated', '{}')).toBeUndefined();
    expect(parseKeyEvent('revoke', '{"appId":"a"}')).toBeUndefined();
    expect(parseKeyEvent('revoke', 'not json')).toBeUndefined();
    expect(parseKeyEvent('app-deleted', '{"appId":""}')).toBeUndefined();
    expect(parseKeyEvent('rename', '{"appId":"a"}')).toBeUndefined();
    const requeue = { appId: 'a', endpointId: 'wh_1', eventId: 'evt_1', requestId: 'rq_1' };
    expect(parseKeyEvent('webhook-requeue', JSON.stringify(requeue))).toEqual({
      type: 'webhook-requeue',
      ...requeue,
    });
    expect(parseKeyEvent('webhook-requeue', JSON.stringify({ ...requeue, requestId: '' }))).toBeUndefined();
    expect(parseKeyEvent('webhook-requeue', JSON.stringify({ ...requeue, eventId: 7 }))).toBeUndefined();
    expect(
      parseKeyEvent('webhook-requeue', JSON.stringify({ ...requeue, endpointId: 'x'.repeat(201) })),
    ).toBeUndefined();
  });
});
