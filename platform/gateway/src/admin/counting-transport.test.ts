import { describe, expect, it } from 'vitest';
import type { Transport } from '../transport.js';
import { CountingTransport, type TopicCounter } from './counting-transport.js';

const inner = (): Transport & { sent: string[] } => ({
  sent: [],
  send(text) {
    this.sent.push(text);
    return true;
  },
  close: () => {},
  bufferedAmount: 0,
  closed: false,
  subscribe: () => {},
  unsubscribe: () => {},
});

describe('CountingTransport', () => {
  it('counts its own sends and the topic deliveries since it subscribed, also after leaving', () => {
    const topics = new Map<string, TopicCounter>([['a|chat', { messages: 10, bytes: 1000 }]]);
    const t = new CountingTransport(inner(), (topic) => topics.get(topic));
    t.send('hello');
    expect([t.messagesOut, t.bytesOut]).toEqual([1, 5]);
    t.subscribe('a|chat');
    const chat = topics.get('a|chat') as TopicCounter;
    chat.messages += 3;
    chat.bytes += 300;
    expect([t.messagesOut, t.bytesOut]).toEqual([4, 305]);
    t.unsubscribe('a|chat');
    chat.messages += 100;
    expect([t.messagesOut, t.bytesOut]).toEqual([4, 305]);
    t.subscribe('a|unknown');
    expect(t.messagesOut).toBe(4);
  });
});
