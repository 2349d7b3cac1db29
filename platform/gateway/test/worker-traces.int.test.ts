import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, http, openEventStream } from './admin-client.js';
import { ALPHA_FULL, apiKeyOf, TestClient, uniqueName, writeAppsFile, wsUrl } from './harness.js';
import { spawnGateway, spawnWorker } from './processes.js';

// A separate worker process's trace events reach a gateway's trace stream through the shared
// trace log (Redis): webhook attempts, the dead-letter move, and the sessions sweep.
const TOKEN = 'worker-traces-admin-token-0001';
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('worker trace events', () => {
  it('webhook.attempt, webhook.dead_letter and job.sweep of a `worker` process show in the stream', {
    timeout: 90_000,
  }, async () => {
    const env = {
      RELAYBOX_ENGINE: 'native',
      RELAYBOX_CONFIG: writeAppsFile(),
      RELAYBOX_AMQP_EXCHANGE: uniqueName('test.wtraces'),
      RELAYBOX_REDIS_PREFIX: `${uniqueName('test')}:`,
      RELAYBOX_ADMIN_TOKEN: TOKEN,
      RELAYBOX_TRACING: 'on',
    };
    const gw = await spawnGateway({ ...env, RELAYBOX_WORKERS: 'none' });
    children.push(gw.proc);
    const stream = await openEventStream(`${gw.url}/v1/admin/traces/stream`, TOKEN);
    try {
      const worker = await spawnWorker(env, 'webhook,sessions');
      children.push(worker.proc);
      const admin = (path: string, body: unknown) =>
        http(gw.port, `/v1/admin${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}` },
          body,
        });
      // 400 is not retried: the first try is also the move to the dead-letter list.
      const inbox = (
        await admin('/webhooks/inbox', { appId: 'alpha', events: ['room.joined'], respondWith: 400 })
      ).body;
      expect(inbox.endpointId).toBeTruthy();
      // Registered through this gateway: its inbox cache is dropped, the next event goes there too.
      const client = await TestClient.connect(wsUrl(gw.port), {
        apiKey: apiKeyOf(ALPHA_FULL),
        clientId: 'w',
      });
      await client.ok({ type: 'join', room: uniqueName('traced') });
      await client.close();

      const fromWorker = (type: string) =>
        stream.events.find((e) => e.type === type && e.gateway.startsWith('worker.'));
      await eventually(
        async () => [
          fromWorker('webhook.attempt'),
          fromWorker('webhook.dead_letter'),
          fromWorker('job.sweep'),
        ],
        (found) => found.every(Boolean),
        30_000,
      );
      expect(fromWorker('webhook.attempt')?.detail).toMatchObject({
        endpointId: inbox.endpointId,
        event: 'room.joined',
        attempt: 1,
        status: 400,
      });
      expect(fromWorker('webhook.dead_letter')?.detail).toMatchObject({
        endpointId: inbox.endpointId,
        reason: 'rejected',
        lastStatus: 400,
      });
      expect(fromWorker('job.sweep')?.detail).toMatchObject({ ok: true, attempt: 1 });
    } finally {
      await stream.close();
    }
  });
});
