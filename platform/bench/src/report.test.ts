import { describe, expect, it } from 'vitest';
import { formatServiceFootnote, type RowOutcome } from './report.js';
import type { TrafficRow } from './scenarios/traffic-result.js';

const row = (label: string, figures: Partial<TrafficRow>): RowOutcome<TrafficRow> => ({
  server: 'relaybox',
  label,
  result: figures as TrafficRow,
});

describe('formatServiceFootnote', () => {
  it('names the Redis and RabbitMQ share of each row that uses them, and skips the rest', () => {
    const text = formatServiceFootnote([
      row('RelayBox (2 nodes, AMQP)', { redisMicrosPerDelivery: 1.2, rabbitmqMicrosPerDelivery: 3.456 }),
      row('RelayBox (1 node)', { redisMicrosPerDelivery: null }),
      row('raw uWS pub/sub', {}),
      { server: 'uws', label: 'failed', error: 'start: boom' },
    ]);
    expect(text.split('\n')).toEqual([
      '  RelayBox (2 nodes, AMQP): platform CPU includes Redis 1.20 µs + RabbitMQ 3.46 µs per delivery',
      '  RelayBox (1 node): platform CPU includes Redis n/a µs per delivery',
    ]);
    expect(formatServiceFootnote([row('raw uWS pub/sub', {})])).toBe('');
  });
});
