import type { BrokerState } from '@relaybox/core';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from './gateway-metrics.js';

/** The value of one sample line (`name{labels} value`) of a Prometheus text exposition. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GatewayMetrics', () => {
  it('exposes the RelayBox metrics per app, counters as running totals across scrapes', async () => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    metrics.connectionOpened('alpha');
    metrics.connectionOpened('alpha');
    metrics.connectionOpened('beta');
    metrics.connectionClosed('alpha');
    metrics.roomActivated('alpha');
    metrics.published('alpha', 100);
    metrics.published('alpha', 50);
    metrics.delivered('alpha', 3, 100);
    metrics.upgradeRefused('token_expired');
    metrics.upgradeRefused('token_expired');

    let text = await metrics.metricsText();
    expect(text).toContain('# TYPE relaybox_connections gauge');
    expect(text).toContain('# TYPE relaybox_messages_published_total counter');
    expect(sample(text, 'relaybox_connections{app="alpha"}')).toBe(1);
    expect(sample(text, 'relaybox_connections{app="beta"}')).toBe(1);
    expect(sample(text, 'relaybox_rooms_active{app="alpha"}')).toBe(1);
    expect(sample(text, 'relaybox_rooms_active{app="beta"}')).toBe(0);
    expect(sample(text, 'relaybox_messages_published_total{app="alpha"}')).toBe(2);
    expect(sample(text, 'relaybox_messages_published_total{app="beta"}')).toBe(0);
    expect(sample(text, 'relaybox_bytes_in_total{app="alpha"}')).toBe(150);
    expect(sample(text, 'relaybox_messages_delivered_total{app="alpha"}')).toBe(3);
    expect(sample(text, 'relaybox_bytes_out_total{app="alpha"}')).toBe(300);
    expect(sample(text, 'relaybox_upgrades_refused_total{code="token_expired"}')).toBe(2);

    metrics.published('alpha', 10);
    metrics.roomDeactivated('alpha');
    text = await metrics.metricsText();
    expect(sample(text, 'relaybox_messages_published_total{app="alpha"}')).toBe(3);
    expect(sample(text, 'relaybox_bytes_in_total{app="alpha"}')).toBe(160);
    expect(sample(text, 'relaybox_rooms_active{app="alpha"}')).toBe(0);
    // A scrape with nothing new leaves the totals as they were.
    text = await metrics.metricsText();
    expect(sample(text, 'relaybox_messages_published_total{app="alpha"}')).toBe(3);
  });

  it('reads the broker state at scrape time', async () => {
    let state: BrokerState = 'connecting';
    const metrics = new GatewayMetrics({ processMetrics: false, brokerState: () => state });
    expect(sample(await metrics.metricsText(), 'relaybox_broker_state{state="connecting"}')).toBe(1);
    state = 'connected';
    const text = await metrics.metricsText();
    expect(sample(text, 'relaybox_broker_state{state="connected"}')).toBe(1);
    expect(sample(text, 'relaybox_broker_state{state="connecting"}')).toBe(0);
    expect(sample(text, 'relaybox_broker_state{state="disconnected"}')).toBe(0);
  });

  it('keeps gateways of one process apart and shares the process metrics between them', async () => {
    const a = new GatewayMetrics();
    const b = new GatewayMetrics();
    a.connectionOpened('alpha');
    const textA = await a.metricsText();
    const textB = await b.metricsText();
    expect(sample(textA, 'relaybox_connections{app="alpha"}')).toBe(1);
    expect(sample(textB, 'relaybox_connections{app="alpha"}')).toBeUndefined();
    for (const text of [textA, textB]) {
      expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
      expect(text).toContain('nodejs_heap_size_used_bytes');
    }
    expect(a.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
