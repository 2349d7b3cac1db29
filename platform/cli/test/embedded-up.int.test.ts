import { createServer, type Server } from 'node:net';
import { RelayBox } from '@relaybox/client';
import { afterEach, describe, expect, it } from 'vitest';
import { readStackState } from '../src/stack-state.js';
import {
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

describe('relaybox up (embedded engine, and the docker engine missing)', () => {
  it('serves clients on the chosen port; keys and token work against it; Ctrl-C stops it', {
    timeout: 90_000,
  }, async () => {
    const cwd = tempDir();
    const port = await freePort();
    const devApiKey = `dev.default:${uniqueName('secret-of-this-test')}`;
    const cli = spawnCli(['up', '--port', String(port)], cwd, { RELAYBOX_DEV_API_KEY: devApiKey });
    cleanups.push(() => cli.proc.kill('SIGKILL'));
    await cli.waitFor(/RelayBox is up \(embedded engine\)/);
    expect(cli.output()).toContain(`WebSocket  ws://localhost:${port}/v1/ws`);
    expect(cli.output()).toContain(`Dev key    ${devApiKey}`);

    const keys = await runCliToExit(['keys', '--json'], cwd);
    expect(JSON.parse(keys.output)).toEqual({
      devApiKey,
      origin: `http://localhost:${port}`,
      websocket: `ws://localhost:${port}/v1/ws`,
    });
    const minted = await runCliToExit(
      ['token', '--client-id', 'carol', '--permissions', '{"chat:*":["subscribe","publish"]}'],
      cwd,
    );
    expect(minted.code).toBe(0);
    const token = minted.output.trim();

    const url = `ws://localhost:${port}/v1/ws`;
    const carol = new RelayBox({ url, token, WebSocket: NodeWebSocket as never });
    const dave = new RelayBox({
      url,
      apiKey: devApiKey,
      clientId: 'dave',
      WebSocket: NodeWebSocket as never,
    });
    cleanups.push(
      () => carol.close(),
      () => dave.close(),
    );
    await Promise.all([carol.connect(), dave.connect()]);
    expect(carol.clientId).toBe('carol');
    const received: unknown[] = [];
    (await dave.join('chat:embedded')).subscribe('note', (msg) => received.push(msg.data));
    await (await carol.join('chat:embedded')).publish('note', 'hello');
    await waitUntil(() => received.includes('hello'));

    const status = await runCliToExit(['status'], cwd);
    expect(status.code).toBe(0);
    expect(status.output).toMatch(/embedded stack: running/);
    expect(status.output).toMatch(/gateway\s+healthy/);

    cli.proc.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/SIGINT: stopping the embedded stack\.\.\.\nStopped\./);
    expect(readStackState(`${cwd}/.relaybox`)).toBeUndefined();
    const after = await runCliToExit(['status'], cwd);
    expect(after.code).toBe(1);
    expect(after.output).toMatch(/no stack is running/);
  });

  it('says which port is taken, and exits 1', { timeout: 60_000 }, async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => holder.close(resolve)));
    const taken = (holder.address() as { port: number }).port;
    const result = await runCliToExit(['up', '--port', String(taken)], tempDir());
    expect(result.code).toBe(1);
    expect(result.output).toMatch(new RegExp(`relaybox: port ${taken} is already in use`));
  });

  it('up --engine docker without a reachable Docker engine says how to start one', {
    timeout: 60_000,
  }, async () => {
    const cwd = tempDir();
    const result = await runCliToExit(['up', '--engine', 'docker', '--port', '0'], cwd, {
      DOCKER_HOST: `unix://${cwd}/no-docker.sock`,
    });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(
      /relaybox: No Docker engine reachable at .*Start one: .*\[docker_unavailable\]/,
    );
    expect(readStackState(`${cwd}/.relaybox`)).toBeUndefined();
  });
});
