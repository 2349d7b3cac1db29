import { describe, expect, it } from 'vitest';
import { Histogram } from '../histogram.js';
import { computeTrafficRow, serviceFigures } from './traffic-result.js';

const per = (deliveries: number) => (micros: number | undefined) =>
  micros === undefined ? null : micros / deliveries;

describe('serviceFigures', () => {
  it('adds each used service to the server CPU and reports it per delivery', () => {
    const out = serviceFigures(
      {
        redis: { userMicros: 300, systemMicros: 100 },
        rabbitmq: { userMicros: 500, systemMicros: 300 },
      },
      2000,
      per(100),
    );
    expect(out).toEqual({
      redisMicrosPerDelivery: 4,
      rabbitmqMicrosPerDelivery: 8,
      platformMicrosPerDelivery: 32,
    });
  });

  it('equals the server CPU for a row that uses no service, and leaves the service figures out', () => {
    const out = serviceFigures({}, 1000, per(100));
    expect(out).toEqual({ platformMicrosPerDelivery: 10 });
    expect('redisMicrosPerDelivery' in out).toBe(false);
  });

  it('gives no platform figure when a used service could not be read', () => {
    const out = serviceFigures({ redis: null }, 1000, per(100));
    expect(out).toEqual({ redisMicrosPerDelivery: null, platformMicrosPerDelivery: null });
  });

  it('gives no platform figure when the server CPU is unknown', () => {
    const out = serviceFigures({ redis: { userMicros: 10, systemMicros: 0 } }, undefined, per(10));
    expect(out.platformMicrosPerDelivery).toBeNull();
    expect(out.redisMicrosPerDelivery).toBe(1);
  });
});

describe('computeTrafficRow (hot room: 4 publishers in one room)', () => {
  it('expects every message of every publisher at every subscriber and charges the services', () => {
    const config = {
      scenario: 'hot' as const,
      rooms: 1,
      subscribersPerRoom: 200,
      publishersPerRoom: 4,
      payloadBytes: 64,
      rate: 1000,
      warmupMs: 1000,
      measureMs: 4000,
      drainMs: 1000,
      subscriberWorkers: 2,
      client: 'lean' as const,
    };
    // 4,000 messages sent in the window (1,000 per publisher), all received but 10 deliveries.
    const receive = (perPublisher: number[]) => ({
      receivedInWindow: 400_000,
      perPublisher,
      outOfOrder: 0,
      total: 400_000,
      histogram: [],
      maxLatencyMicros: 0,
    });
    const report = (perPublisher: number[]) => ({
      receive: receive(perPublisher),
      acks: 0,
      rejections: 0,
      problems: 0,
      problemSamples: [],
    });
    const row = computeTrafficRow({
      config,
      published: {
        offeredInWindow: 4000,
        sentInWindow: [1000, 1000, 1000, 1000],
        sentTotal: 5000,
        skipped: 0,
      },
      reports: [report([100_000, 100_000, 100_000, 100_000]), report([100_000, 100_000, 99_995, 99_995])],
      histogram: new Histogram(),
      cpu: {
        server: { userMicros: 2_000_000, systemMicros: 1_200_000 },
        generator: { userMicros: 0, systemMicros: 0 },
        machineBusyMicros: null,
        services: { redis: { userMicros: 600_000, systemMicros: 200_000 } },
        seconds: 4,
      },
      peakRssBytes: null,
    });
    expect(row.subscribers).toBe(200);
    expect(row.offeredDeliveryRate).toBe(200_000);
    expect(row.expectedDeliveries).toBe(800_000);
    expect(row.lost).toBe(10);
    expect(row.totalMicrosPerDelivery).toBe(4);
    expect(row.redisMicrosPerDelivery).toBe(1);
    expect(row.platformMicrosPerDelivery).toBe(5);
    expect(row.rabbitmqMicrosPerDelivery).toBeUndefined();
  });
});
