/**
 * The size of every scenario, full and `--quick`. Quick sizes only check that each row completes
 * with nothing lost or duplicated on a busy 2-core CI machine: a handful of connections and a few
 * dozen messages per second, so no server falls behind and the whole run stays around a minute.
 */
import type { BenchOptions } from './cli-options.js';
import type { TrafficConfig } from './scenarios/traffic-scenario.js';
import type { ResumeStormConfig } from './storm/resume-storm.js';

export type TrafficName = 'chat' | 'broadcast' | 'hot';
type TrafficSize = Pick<
  TrafficConfig,
  'scenario' | 'rooms' | 'subscribersPerRoom' | 'publishersPerRoom' | 'rate' | 'payloadBytes'
>;

const FULL: Record<TrafficName, TrafficSize> = {
  chat: { scenario: 'chat', rooms: 10, subscribersPerRoom: 50, rate: 1000 },
  broadcast: { scenario: 'broadcast', rooms: 1, subscribersPerRoom: 2000, rate: 50 },
  hot: {
    scenario: 'hot',
    rooms: 1,
    subscribersPerRoom: 200,
    publishersPerRoom: 4,
    rate: 1000,
    payloadBytes: 64,
  },
};

const QUICK: Record<TrafficName, TrafficSize> = {
  chat: { scenario: 'chat', rooms: 2, subscribersPerRoom: 5, rate: 20 },
  broadcast: { scenario: 'broadcast', rooms: 1, subscribersPerRoom: 20, rate: 10 },
  hot: {
    scenario: 'hot',
    rooms: 1,
    subscribersPerRoom: 10,
    publishersPerRoom: 2,
    rate: 40,
    payloadBytes: 64,
  },
};

const describe = (s: TrafficSize): string =>
  `${s.rooms} room${s.rooms > 1 ? 's' : ''} x ${s.subscribersPerRoom.toLocaleString('en-US')} subscribers` +
  `${s.publishersPerRoom ? `, ${s.publishersPerRoom} publishers` : ''}, ${s.rate.toLocaleString('en-US')} msg/s, ` +
  `${s.payloadBytes ?? 128}-byte payloads`;

const LETTER: Record<TrafficName, string> = {
  chat: '(a) chat',
  broadcast: '(b) broadcast',
  hot: '(e) hot room',
};

export function trafficTitle(name: TrafficName, quick: boolean): string {
  return `${LETTER[name]}: ${describe((quick ? QUICK : FULL)[name])}`;
}

export function trafficConfig(name: TrafficName, options: BenchOptions): TrafficConfig {
  return {
    ...(options.quick ? QUICK : FULL)[name],
    warmupMs: options.warmupMs,
    measureMs: options.measureMs,
    drainMs: options.drainMs,
    // Quick rows wait (5 s at most) for deliveries a loaded machine is slow to hand over.
    ...(options.quick ? { drainMaxMs: 5000, settleMs: 100 } : {}),
    subscriberWorkers: options.subscriberWorkers,
    client: options.client,
  };
}

export function resumeStormConfig(options: BenchOptions): ResumeStormConfig {
  return {
    clients: options.stormClients,
    rooms: Math.min(options.stormRooms, options.stormClients),
    rate: options.stormPublishRate,
    workers: options.subscriberWorkers,
    beforeKillMs: options.quick ? 1000 : 5000,
    afterKillMs: options.quick ? 1000 : 10_000,
    catchUpCapMs: options.stormCatchUpCapMs,
  };
}

/** Pause between rows (sockets in TIME_WAIT, the previous row's garbage): none in a quick run. */
export const rowGapMs = (options: BenchOptions): number => (options.quick ? 0 : 1000);
