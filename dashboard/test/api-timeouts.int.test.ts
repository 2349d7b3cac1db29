import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type RunningControlPlane, startControlPlane } from './api-harness.js';

// Slow clients (slowloris, slow bodies) cannot hold control-plane connections open: a request
// must arrive whole within REQUEST_TIMEOUT_MS (here 1500 ms) or its connection is closed.
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
const REQUEST_TIMEOUT_MS = 1500;
/** Generous bound for a loaded machine; without the timeout such a connection lives 300 s. */
const CLOSED_WITHIN_MS = 10_000;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({
    DATABASE_URL: db.url,
    LOG_LEVEL: 'warn',
    REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  });
});

afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

/**
 * Opens a raw connection, writes `head`, then one byte of `trickle` every 100 ms (the connection is
 * never idle). Resolves with what the server answered and when it closed the connection.
 */
function slowClient(head: string, trickle: string): Promise<{ closedAfterMs: number; answer: string }> {
  const { port, hostname } = new URL(cp.url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < trickle.length) socket.write(trickle[sent++] as string);
    }, 100);
    const deadline = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error(`still open after ${CLOSED_WITHIN_MS} ms`));
    }, CLOSED_WITHIN_MS);
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(deadline);
      resolve({ closedAfterMs: Date.now() - started, answer });
    });
    socket.write(head);
  });
}

describe('request timeout', () => {
  it('closes a connection whose body arrives too slowly, and one whose headers do', async () => {
    const body = slowClient(
      'POST /api/auth/login HTTP/1.1\r\nHost: cp\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{',
      'x'.repeat(4000),
    );
    const headers = slowClient('GET /api/auth/me HTTP/1.1\r\n', 'X-Slow: '.padEnd(4000, 'y'));
    for (const result of await Promise.all([body, headers])) {
      expect(result.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
      expect(result.closedAfterMs).toBeLessThan(CLOSED_WITHIN_MS);
      // Node answers 408 when it can; the connection is closed either way.
      if (result.answer) expect(result.answer).toMatch(/^HTTP\/1\.1 408/);
    }
  });

  it('still serves a normal request on the same server', async () => {
    const reply = await fetch(`${cp.url}/api/auth/me`);
    expect(reply.status).toBe(401);
  });
});
