import { createServer, type Server } from 'node:net';
import { deleteRedisKeys, RabbitmqAdmin } from '@relaybox/adapters/testing';
import { RelayBox } from '@relaybox/client';
import type { ServiceStatus } from '@relaybox/orchestrator';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, readStackState, type StackState } from '../src/stack-state.js';
import {
  type CliProcess,
  freePort,
  NodeWebSocket,
  runCliToExit,
  spawnCli,
  tempDir,
  uniqueName,
  waitUntil,
} from './cli-process.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => {});
});

/** `relaybox up --engine native` on a free port with its own Redis prefix and exchange. */
async function upNative(
  gateways: number,
): Promise<{ cli: CliProcess; cwd: string; state: () => StackState }> {
  const cwd = tempDir();
  const prefix = `${uniqueName('test')}:`;
  const exchange = uniqueName('test.cli');
  const port = await freePort();
  const args = ['up', '--engine', 'native', '--gateways', String(gateways), '--port', String(port)];
  const cli = spawnCli([...args, '--redis-prefix', prefix, '--amqp-exchange', exchange], cwd);
  cleanups.push(
    () => RabbitmqAdmin.deleteExchange(exchange),
    () => deleteRedisKeys(prefix),
    async () => {
      const pids = (readStackState(`${cwd}/.relaybox`)?.services ?? []).map(pidOf);
      cli.proc.kill('SIGKILL');
      for (const pid of pids) if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
    },
  );
  await cli.waitFor(/RelayBox is up \(native engine\)/, 60_000);
  const state = () => {
    const current = readStackState(`${cwd}/.relaybox`);
    if (!current) throw new Error(`no stack state:\n${cli.output()}`);
    return current;
  };
  expect(state().endpoints.origin).toBe(`http://localhost:${port}`);
  return { cli, cwd, state };
}

const service = (state: StackState, name: string): ServiceStatus => {
  const found = state.services.find((s) => s.name === name);
  if (!found) throw new Error(`no service ${name} in ${JSON.stringify(state.services)}`);
  return found;
};
const pidOf = (s: ServiceStatus) => Number(/pid (\d+)/.exec(s.detail ?? '')?.[1] ?? 0);
const portOf = (s: ServiceStatus) => Number(/port (\d+)/.exec(s.detail ?? '')?.[1] ?? 0);

async function client(state: StackState, clientId: string): Promise<RelayBox> {
  const relay = new RelayBox({
    url: state.endpoints.websocket,
    apiKey: state.devApiKey,
    clientId,
    WebSocket: NodeWebSocket as never,
    minReconnectDelayMs: 100,
    maxReconnectDelayMs: 500,
  });
  cleanups.push(() => relay.close());
  await relay.connect();
  return relay;
}

async function connections(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/health`);
  return ((await res.json()) as { connections: number }).connections;
}

/** Kills a service's process and waits for the supervisor to report it and bring up a new one. */
async function killAndWaitRestart(stack: Awaited<ReturnType<typeof upNative>>, name: string): Promise<void> {
  const before = pidOf(service(stack.state(), name));
  expect(before).toBeGreaterThan(0);
  process.kill(before, 'SIGKILL');
  await stack.cli.waitFor(new RegExp(`${name} exited \\(killed by SIGKILL\\)`));
  await waitUntil(() => {
    const now = service(stack.state(), name);
    return ['healthy', 'running'].includes(now.state) && pidOf(now) !== before;
  });
}

describe('relaybox up --engine native', () => {
  it('serves clients through one origin across 2 gateways, restarts a killed worker and gateway, stops on `relaybox down`', {
    timeout: 150_000,
  }, async () => {
    const stack = await upNative(2);
    const state = stack.state();
    const gatewayPorts = ['gateway-1', 'gateway-2'].map((n) => portOf(service(state, n)));
    const alice = await client(state, 'alice');
    const bob = await client(state, 'bob');
    // Round robin: the two upgrades through the origin landed on different gateways.
    expect(await Promise.all(gatewayPorts.map(connections))).toEqual([1, 1]);

    const room = uniqueName('native');
    const received: unknown[] = [];
    (await bob.join(room)).subscribe('note', (msg) => received.push(msg.data));
    const aliceRoom = await alice.join(room);
    // `room.subscribe` sends its subscribe frame in the background, so a publish right after it
    // can overtake it: publish until the subscriber (on the other gateway) has one.
    await waitUntil(async () => {
      await aliceRoom.publish('note', 'across gateways').catch(() => {});
      return received.includes('across gateways');
    });

    await killAndWaitRestart(stack, 'worker');
    await killAndWaitRestart(stack, 'gateway-1');
    // The client that was on gateway-1 reconnects through the origin and keeps its room.
    await waitUntil(() => alice.connection.state === 'connected' && bob.connection.state === 'connected');
    await waitUntil(async () => {
      await aliceRoom.publish('note', 'after the crash').catch(() => {});
      return received.includes('after the crash');
    });

    const pids = stack
      .state()
      .services.map(pidOf)
      .filter((pid) => pid > 0);
    expect(pids).toHaveLength(3);
    const down = await runCliToExit(['down'], stack.cwd);
    expect(down.output).toMatch(/Stopping the native stack/);
    expect(down.code).toBe(0);
    expect(await stack.cli.exited).toBe(0);
    expect(stack.cli.output()).toMatch(/SIGTERM: stopping the native stack/);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(readStackState(`${stack.cwd}/.relaybox`)).toBeUndefined();
  });

  it('status and logs read the running stack from another process', { timeout: 90_000 }, async () => {
    const stack = await upNative(1);
    const status = await runCliToExit(['status'], stack.cwd);
    expect(status.code).toBe(0);
    expect(status.output).toMatch(/native stack: running/);
    expect(status.output).toMatch(/gateway-1\s+healthy/);
    expect(status.output).toMatch(/worker\s+running/);
    const logs = await runCliToExit(['logs', 'worker'], stack.cwd);
    expect(logs.code).toBe(0);
    expect(logs.output).toMatch(/RelayBox worker worker processing sessions,history,webhook/);
    const unknown = await runCliToExit(['logs', 'nope'], stack.cwd);
    expect(unknown.code).toBe(1);
    expect(unknown.output).toMatch(/no service "nope": the stack has .*gateway-1/);
    const second = await runCliToExit(['up', '--engine', 'native', '--port', '0'], stack.cwd);
    expect(second.code).toBe(1);
    expect(second.output).toMatch(/a stack is already running \(native engine/);
    stack.cli.proc.kill('SIGINT');
    expect(await stack.cli.exited).toBe(0);
  });

  it('fails with a clear message when the port is taken or Redis is unreachable, leaving nothing running', {
    timeout: 60_000,
  }, async () => {
    const cwd = tempDir();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => holder.close(resolve)));
    const taken = (holder.address() as { port: number }).port;
    const busy = await runCliToExit(['up', '--engine', 'native', '--port', String(taken)], cwd);
    expect(busy.code).toBe(1);
    expect(busy.output).toMatch(
      new RegExp(`relaybox: port ${taken} is already in use.*--port \\[port_in_use\\]`),
    );

    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    const port = String(await freePort());
    const noRedis = await runCliToExit(
      ['up', '--engine', 'native', '--port', port, '--redis-url', nowhere],
      cwd,
    );
    expect(noRedis.code).toBe(1);
    expect(noRedis.output).toMatch(/relaybox: Redis is not reachable at 127\.0\.0\.1:\d+ .*redis-server/);
    expect(noRedis.output).toMatch(/\[dependency_unavailable\]/);
    expect(readStackState(`${cwd}/.relaybox`)).toBeUndefined();
    // Nothing kept the origin port.
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(port), '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
