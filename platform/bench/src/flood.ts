/**
 * `pnpm bench:flood`: how much one client's request flood delays another client of the same gateway
 * (issue 11.4: at most 50 ms on the other client's p99 ping). One RelayBox gateway process (Redis
 * store, default request budget); a flooder process that sends `history` requests of 1,000 items as
 * fast as it can write them; a victim (this process) that pings every 20 ms, first with the gateway
 * quiet, then during the flood. Prints both latency distributions and what the flood got.
 *
 * `--gateway <entry>` runs another gateway entry (e.g. a build before the budget) for comparison;
 * `--seconds N` sets each window (default 8); `--cpu-prof <dir>` writes the gateway's V8 CPU profile
 * (`node --cpu-prof`, open it in Chrome DevTools) into `<dir>` when the gateway exits.
 */
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { killAllChildren, trackChild } from './child-registry.js';
import { startCluster } from './cluster.js';
import { Histogram } from './histogram.js';
import { SERVER_SPECS } from './server-specs.js';
import { sleep, withTimeout } from './timeout.js';
import { startWindowCpu } from './window-cpu.js';

const ROOM = 'flood:history';
const SEED_MESSAGES = 1000;
const PING_EVERY_MS = 20;
/** Requests the flooder writes per burst, and the pause between bursts (a bounded loop). */
const FLOOD_BATCH = 200;
const FLOOD_PAUSE_MS = 5;
const CONNECT_TIMEOUT_MS = 5_000;

interface Client {
  ws: WebSocket;
  request(frame: Record<string, unknown>): Promise<{ type: string; error?: { code: string } }>;
}

async function connect(url: string, apiKey: string, clientId: string): Promise<Client> {
  const protocols = ['relaybox.v1', `relaybox.apikey.${Buffer.from(apiKey).toString('base64url')}`];
  const ws = new WebSocket(`${url}?clientId=${clientId}`, protocols);
  const waiting = new Map<number, (frame: { type: string; error?: { code: string } }) => void>();
  let ref = 0;
  let connected: () => void = () => {};
  // Settles with the server's `connected` frame, or fails: refused, or closed before that frame.
  const ready = new Promise<void>((resolve, reject) => {
    connected = resolve;
    ws.once('error', reject);
    ws.once('unexpected-response', () => reject(new Error('upgrade refused')));
    ws.once('close', () => reject(new Error('closed before connected')));
  });
  ws.on('error', () => {});
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { type: string; ref?: number; error?: { code: string } };
    if (frame.type === 'connected') connected();
    if (frame.ref !== undefined) waiting.get(frame.ref)?.(frame);
    if (frame.ref !== undefined) waiting.delete(frame.ref);
  });
  // Bounded, so that a connection that never completes cannot hang the flooder (and the bench).
  await withTimeout(ready, CONNECT_TIMEOUT_MS, 'a connection').catch((error: unknown) => {
    ws.terminate();
    throw error;
  });
  return {
    ws,
    request: (frame) =>
      new Promise((resolve) => {
        const r = ++ref;
        waiting.set(r, resolve);
        ws.send(JSON.stringify({ ...frame, ref: r }));
      }),
  };
}

/**
 * The flooder process: history requests of 1,000 items, as fast as they can be written, until told
 * to stop. A closed connection is replaced at once (a persistent attacker from one address), as
 * fast as the gateway's per-address connection limit lets it.
 */
async function runFlooder(url: string, apiKey: string): Promise<void> {
  const counts = { sent: 0, ok: 0, limited: 0, other: 0, connections: 0, refusedConnects: 0 };
  let stop = false;
  process.on('message', (message) => {
    if (message === 'stop') stop = true;
  });
  process.send?.('ready');
  const frame = process.env.FLOOD_PING
    ? { type: 'ping' }
    : { type: 'history', room: ROOM, query: { limit: 1000 } };
  while (!stop) {
    const client = await connect(url, apiKey, 'flooder').catch(() => undefined);
    if (!client) {
      counts.refusedConnects++;
      await sleep(FLOOD_PAUSE_MS);
      continue;
    }
    counts.connections++;
    void client.request({ type: 'join', room: ROOM });
    while (!stop && client.ws.readyState === WebSocket.OPEN) {
      for (let i = 0; i < FLOOD_BATCH; i++) {
        counts.sent++;
        void client.request(frame).then((reply) => {
          if (reply.type === 'ack') counts.ok++;
          else if (reply.error?.code === 'rate_limited') counts.limited++;
          else counts.other++;
        });
      }
      await sleep(FLOOD_PAUSE_MS);
    }
    client.ws.terminate();
  }
  process.send?.(counts);
  process.exit(0);
}

async function pingWindow(victim: Client, ms: number): Promise<Histogram> {
  const histogram = new Histogram();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const started = performance.now();
    await victim.request({ type: 'ping' });
    histogram.record((performance.now() - started) * 1000);
    await sleep(PING_EVERY_MS);
  }
  return histogram;
}

const ms = (h: Histogram, q: number) => (h.quantile(q) / 1000).toFixed(1);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const seconds = Number(args[args.indexOf('--seconds') + 1]) || 8;
  const entry = args.includes('--gateway')
    ? (args[args.indexOf('--gateway') + 1] as string)
    : 'platform/gateway/src/main.ts';
  const profileDir = args.includes('--cpu-prof') ? args[args.indexOf('--cpu-prof') + 1] : undefined;
  const spec = SERVER_SPECS.relaybox;
  const cluster = await startCluster(
    profileDir === undefined
      ? spec
      : { ...spec, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] },
    entry,
    'flood',
  );
  try {
    const hostPort = cluster.hostPorts[0] as string;
    const apiKey = cluster.apiKey as string;
    for (let i = 0; i < SEED_MESSAGES; i++) {
      await fetch(`http://${hostPort}/v1/rooms/${encodeURIComponent(ROOM)}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ event: 'seed', data: { i, pad: 'x'.repeat(200) } }),
      });
    }
    const url = `ws://${hostPort}/v1/ws`;
    // A busy machine can drop a fresh connection before its `connected` frame: try again, bounded.
    let victim = await connect(url, apiKey, 'victim').catch(() => undefined);
    for (let attempt = 1; !victim && attempt < 3; attempt++) {
      victim = await connect(url, apiKey, 'victim').catch(() => undefined);
    }
    if (!victim) victim = await connect(url, apiKey, 'victim');
    const windows: string[] = [];
    // CLOCK_MONOTONIC in µs: the clock of a V8 CPU profile's timestamps, so the windows can be cut out.
    const mark = () => String(process.hrtime.bigint() / 1000n);
    const gateway = cluster.pids[0];
    let from = mark();
    let cpu = startWindowCpu({ gateway, victim: process.pid });
    const quiet = await pingWindow(victim, seconds * 1000);
    const quietCpu = cpu();
    windows.push(`quiet ${from}-${mark()}`);
    const flooder = fork(fileURLToPath(import.meta.url), ['--flooder', url, apiKey], {
      execArgv: ['--import', 'tsx'],
    });
    trackChild(flooder);
    const counts = new Promise<unknown>((resolve) =>
      flooder.on('message', (m) => m !== 'ready' && resolve(m)),
    );
    await new Promise<void>((resolve) => flooder.once('message', () => resolve()));
    from = mark();
    cpu = startWindowCpu({ gateway, flooder: flooder.pid, victim: process.pid });
    const flooded = await pingWindow(victim, seconds * 1000);
    const floodCpu = cpu();
    windows.push(`flood ${from}-${mark()}`);
    flooder.send('stop');
    const got = await counts;
    cluster.assertAlive();
    victim.ws.terminate();
    const row = (name: string, h: Histogram) =>
      `${name.padEnd(16)} ${String(h.total).padStart(6)} ${ms(h, 0.5).padStart(8)} ${ms(h, 0.99).padStart(8)} ${(h.max / 1000).toFixed(1).padStart(8)}`;
    process.stdout.write(
      [
        `gateway: ${entry}; windows of ${seconds} s; ping every ${PING_EVERY_MS} ms`,
        `${'victim pings'.padEnd(16)} ${'count'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}`,
        row('quiet', quiet),
        row('during flood', flooded),
        `p99 moved by ${((flooded.quantile(0.99) - quiet.quantile(0.99)) / 1000).toFixed(1)} ms (bound: 50 ms)`,
        `flood (history, limit 1000): ${JSON.stringify(got)}`,
        `quiet window ${quietCpu}`,
        `flood window ${floodCpu}`,
        ...(profileDir === undefined ? [] : [`profile windows (monotonic µs): ${windows.join(', ')}`]),
        '',
      ].join('\n'),
    );
  } finally {
    await cluster.stop();
    killAllChildren();
  }
}

if (process.argv[2] === '--flooder') {
  void runFlooder(process.argv[3] as string, process.argv[4] as string);
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    killAllChildren();
    process.exit(1);
  });
}
