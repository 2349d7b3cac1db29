import { RelayBox } from '@relaybox/client';
import { RelayBoxError } from '@relaybox/protocol';
import { RelayBoxRest } from '@relaybox/rest';
import WebSocket from 'ws';
import { ALPHA_FULL, apiKeyOf, sleep } from '../harness.js';

/**
 * The application side of the chaos tests: a publisher that numbers its messages 1..N and retries
 * every retryable refusal with the same idempotency key (as an app should), and subscriber apps on
 * the real SDK that record what their handlers saw.
 */

export interface Ack {
  n: number;
  seq: number;
}

export interface StreamPublisher {
  readonly acks: Ack[];
  /** Refusals seen (and retried), by error code. */
  readonly refusals: Map<string, number>;
  /** Attempts that failed without an answer from the gateway (connection refused or reset). */
  readonly networkFailures: number;
  /** Resolves once `count` messages were acknowledged; rejects on a non-retryable refusal. */
  readonly done: Promise<void>;
  /** Acknowledged so far. */
  readonly acked: number;
  /** Resolves once `n` messages were acknowledged (or the stream ended). */
  ackedAtLeast(n: number): Promise<void>;
}

export interface PublisherOptions {
  /** REST base URLs; a network failure moves on to the next one. */
  urls: string[];
  room: string;
  count: number;
  /** Pause between two publishes of one sender, ms (0: as fast as acks come). */
  paceMs?: number;
  /** Publishes in flight at once (default 1: strictly one after the other). */
  concurrency?: number;
  /** Give up after this long in all (a bound, not an expectation). */
  deadlineMs?: number;
  /** Checked before each new number: true ends the stream early (the numbers taken are finished). */
  stop?: () => boolean;
}

/**
 * Publishes 1..count, `concurrency` at a time in numbering order; each retried until acknowledged.
 * With concurrency > 1 numbers and seqs are not in the same order: the checks go by seq.
 */
export function publishStream(options: PublisherOptions): StreamPublisher {
  const rests = options.urls.map((url) => new RelayBoxRest({ apiKey: apiKeyOf(ALPHA_FULL), url }));
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  const state = { acks: [] as Ack[], refusals: new Map<string, number>(), networkFailures: 0 };
  let target = 0;
  const publishOne = async (n: number): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      if (Date.now() > deadline) throw new Error(`message ${n} not acknowledged before the deadline`);
      try {
        const ack = await rests[target]!.publish(options.room, 'n', n, { idempotencyKey: `n-${n}` });
        state.acks.push({ n, seq: ack.seq });
        return;
      } catch (error) {
        if (!(error instanceof RelayBoxError) || !error.retryable) throw error;
        if (error.code === 'network_error') {
          state.networkFailures++;
          target = (target + 1) % rests.length;
        } else state.refusals.set(error.code, (state.refusals.get(error.code) ?? 0) + 1);
        await sleep(Math.min(20 * 2 ** Math.min(attempt, 4), 250));
      }
    }
  };
  let next = 1;
  const sender = async (): Promise<void> => {
    while (next <= options.count && !options.stop?.()) {
      await publishOne(next++);
      if (options.paceMs) await sleep(options.paceMs);
    }
  };
  const done = Promise.all(Array.from({ length: options.concurrency ?? 1 }, sender)).then(() => {});
  done.catch(() => {});
  return {
    acks: state.acks,
    refusals: state.refusals,
    get networkFailures() {
      return state.networkFailures;
    },
    get acked() {
      return state.acks.length;
    },
    ackedAtLeast: async (n) => {
      let ended = false;
      done.then(
        () => (ended = true),
        () => (ended = true),
      );
      while (state.acks.length < n && !ended) await sleep(5);
    },
    done,
  };
}

export interface AppSubscriber {
  readonly name: string;
  readonly relay: RelayBox;
  /** `seq:data` of every message the app's handler got, in order. */
  readonly seen: Array<{ seq: number; n: number }>;
  readonly discontinuities: unknown[];
  /** Distinct connection ids this app had (a change means a fresh session, not a resume). */
  readonly connectionIds: Set<string>;
}

/** A subscriber app on @relaybox/client with `urls` (failover order) that joined and was subscribed. */
export async function subscribeApp(name: string, urls: string[], room: string): Promise<AppSubscriber> {
  const relay = new RelayBox({
    url: urls,
    apiKey: apiKeyOf(ALPHA_FULL),
    clientId: name,
    WebSocket: WebSocket as never,
    minReconnectDelayMs: 20,
    maxReconnectDelayMs: 200,
  });
  await relay.connect();
  const app: AppSubscriber = {
    name,
    relay,
    seen: [],
    discontinuities: [],
    connectionIds: new Set([relay.connectionId!]),
  };
  relay.connection.on('statechange', ({ current }) => {
    if (current === 'connected' && relay.connectionId) app.connectionIds.add(relay.connectionId);
  });
  const handle = await relay.join(room);
  handle.subscribe('n', (m) => app.seen.push({ seq: m.seq, n: m.data as number }));
  handle.on('discontinuity', (info) => app.discontinuities.push(info));
  // Accepted by the server before the stream starts: a subscribe frame still on its way would make
  // its point in the stream later than the first publishes, which the app then never gets.
  await handle.ready();
  return app;
}

/** Waits (bounded) until every app saw the last acknowledged seq, then checks exactly-once-in-order. */
export async function settle(apps: AppSubscriber[], publisher: StreamPublisher, timeoutMs = 20_000) {
  await publisher.done;
  const last = Math.max(...publisher.acks.map((a) => a.seq));
  const deadline = Date.now() + timeoutMs;
  while (apps.some((app) => (app.seen.at(-1)?.seq ?? 0) < last) && Date.now() < deadline) await sleep(50);
  await sleep(300); // nothing extra arrives late
  return last;
}

/**
 * What the app must have seen: every seq 1..last exactly once in order, each acknowledged message
 * at the seq its ack named, and no message twice (the idempotency key held across retries).
 * Returns a list of problems (empty when all holds), so a failure names every app at once.
 */
export function deliveryProblems(app: AppSubscriber, acks: Ack[], last: number): string[] {
  const problems: string[] = [];
  const seqs = app.seen.map((m) => m.seq);
  const expected = Array.from({ length: last }, (_, i) => i + 1);
  if (seqs.join() !== expected.join()) {
    const missing = expected.filter((s) => !seqs.includes(s));
    const repeated = seqs.filter((s, i) => seqs.indexOf(s) !== i);
    const unordered = seqs.filter((s, i) => i > 0 && s <= seqs[i - 1]!);
    problems.push(
      `${app.name}: ${seqs.length} deliveries for ${last} seqs; missing ${fmt(missing)}, repeated ${fmt(repeated)}, out of order ${fmt(unordered)}`,
    );
  }
  const bySeq = new Map(app.seen.map((m) => [m.seq, m.n]));
  const wrong = acks.filter((a) => bySeq.get(a.seq) !== a.n);
  if (wrong.length > 0)
    problems.push(`${app.name}: acked messages not seen at their seq: ${fmt(wrong.map((a) => a.n))}`);
  const ns = app.seen.map((m) => m.n);
  const dup = ns.filter((n, i) => ns.indexOf(n) !== i);
  if (dup.length > 0) problems.push(`${app.name}: the same message at two seqs: ${fmt(dup)}`);
  return problems;
}

const fmt = (list: number[]) =>
  list.length > 12 ? `${list.slice(0, 12).join(',')}… (${list.length})` : `[${list.join(',')}]`;
