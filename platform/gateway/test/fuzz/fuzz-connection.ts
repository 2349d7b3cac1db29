import { API_KEY_PROTOCOL_PREFIX, PROTOCOL } from '@relaybox/protocol';
import WebSocket from 'ws';
import { sleep } from '../harness.js';
import { MARKER_REF_BASE, usableRef, type WireFrame } from './frame-arbitraries.js';

/**
 * One raw WebSocket the fuzz frames go through, with the bookkeeping of what it was answered: every
 * request gets exactly one `ack` or `error` carrying its `ref`, and a frame without a usable ref
 * gets an `error` without one (docs/protocol.md).
 */
export class FuzzConnection {
  /** Replies (ack or error) received per ref; `null` counts the ones without a ref. */
  readonly replies = new Map<number | null, number>();
  errors = 0;
  closed: { code: number; reason: string } | undefined;
  private markerRef = MARKER_REF_BASE;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const frame = JSON.parse(data.toString()) as { type: string; ref?: number };
      if (frame.type !== 'ack' && frame.type !== 'error') return;
      if (frame.type === 'error') this.errors++;
      const key = frame.ref ?? null;
      this.replies.set(key, (this.replies.get(key) ?? 0) + 1);
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
    ws.on('error', () => {});
  }

  /** Connects with `apiKey`, waits for `connected`, joins and subscribes `rooms`. */
  static async open(url: string, apiKey: string, rooms: string[]): Promise<FuzzConnection> {
    const ws = new WebSocket(url, [
      PROTOCOL,
      API_KEY_PROTOCOL_PREFIX + Buffer.from(apiKey).toString('base64url'),
    ]);
    const connected = new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        if ((JSON.parse(data.toString()) as { type: string }).type === 'connected') resolve();
      });
      ws.once('error', reject);
      ws.once('close', (code) => reject(new Error(`closed ${code} before connected`)));
    });
    const connection = new FuzzConnection(ws);
    await connected;
    for (const room of rooms) {
      await connection.request({ type: 'join', room });
      await connection.request({ type: 'subscribe', room });
    }
    connection.replies.clear();
    connection.errors = 0;
    return connection;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: WireFrame): void {
    if (frame.kind === 'text') this.ws.send(frame.text);
    else if (frame.kind === 'binary') this.ws.send(frame.bytes, { binary: true });
    else this.ws.send(Buffer.from(frame.bytes), { binary: false });
  }

  /** Sends a request with a marker ref and waits for its reply (or the close); false on timeout. */
  async request(
    frame: Record<string, unknown>,
    timeoutMs = 15_000,
  ): Promise<'answered' | 'closed' | 'timeout'> {
    const ref = ++this.markerRef;
    this.ws.send(JSON.stringify({ ...frame, ref }));
    const deadline = Date.now() + timeoutMs;
    while (!this.replies.get(ref)) {
      if (this.closed) return 'closed';
      if (Date.now() > deadline) return 'timeout';
      await sleep(2);
    }
    return 'answered';
  }

  /**
   * What `frames` should have been answered with and was not (or was answered twice), as text for
   * an assertion; empty when each got its one reply. Call after the marker following them was answered.
   */
  async unanswered(frames: WireFrame[], timeoutMs = 10_000): Promise<string[]> {
    const expected = new Map<number | null, number>();
    for (const frame of frames) {
      const key = usableRef(frame) ?? null;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const problems = (): string[] => {
      const out: string[] = [];
      for (const [key, count] of expected) {
        const got = this.replies.get(key) ?? 0;
        if (got !== count) {
          const sample = frames.find((f) => (usableRef(f) ?? null) === key);
          out.push(`ref ${key}: ${got} replies for ${count} frames, e.g. ${describe(sample)}`);
        }
      }
      for (const [key, got] of this.replies) {
        if (key !== null && key >= MARKER_REF_BASE) continue;
        if (!expected.has(key)) out.push(`ref ${key}: ${got} replies for no frame`);
      }
      return out;
    };
    const deadline = Date.now() + timeoutMs;
    while (problems().length > 0 && Date.now() < deadline && !this.closed) await sleep(5);
    return problems();
  }

  /** Forget the replies counted so far (the next batch starts from zero). */
  reset(): void {
    this.replies.clear();
    this.errors = 0;
  }

  close(): void {
    this.ws.terminate();
  }
}

export function describe(frame: WireFrame | undefined): string {
  if (!frame) return 'nothing';
  const body =
    frame.kind === 'text'
      ? JSON.stringify(frame.text)
      : `<${frame.kind} ${Buffer.from(frame.bytes).toString('hex')}>`;
  return body.length > 300 ? `${body.slice(0, 300)}… (${body.length} chars)` : body;
}
