import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface LeanWebSocketOptions {
  /** `127.0.0.1:40123` */
  hostPort: string;
  /** Path and query, e.g. `/v1/ws?clientId=a` */
  path: string;
  protocols?: string[];
  localAddress: string;
  onOpen: () => void;
  /** A complete text or binary message. The buffer may be reused after the call: copy to keep it. */
  onMessage: (data: Buffer) => void;
  /** Upgrade refused (non-101 answer) with its status and body. */
  onRefused: (status: number, body: string) => void;
  onClose: (code: number, reason: string) => void;
  onError: (error: Error) => void;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/**
 * A deliberately minimal RFC 6455 client for the load generator. Benchmark subscribers spend most
 * of their CPU in the client library, and on a 2-core machine that CPU is taken from the server
 * under test; this client parses frames in place with no stream machinery and no per-message
 * allocation beyond the socket's own chunks. It handles fragmentation, ping/pong and close, and
 * trusts the server (no Sec-WebSocket-Accept check, no UTF-8 validation, no extensions).
 */
export class LeanWebSocket {
  private readonly socket: Socket;
  private state: 'handshake' | 'open' | 'refused' = 'handshake';
  private refusal = { status: 0, body: '' };
  private closed = false;
  private pending: Buffer | null = null;
  private fragments: Buffer[] = [];
  private handshake = '';

  constructor(private readonly options: LeanWebSocketOptions) {
    const [host, port] = options.hostPort.split(':');
    this.socket = connect({ host, port: Number(port), localAddress: options.localAddress, noDelay: true });
    this.socket.on('connect', () => this.socket.write(this.request()));
    this.socket.on('data', (chunk: Buffer) => {
      if (this.state === 'open') this.onFrames(chunk);
      else if (this.state === 'handshake') this.onHandshake(chunk);
      else this.refusal.body += chunk.toString();
    });
    this.socket.on('error', (error) => {
      if (!this.closed) this.options.onError(error);
    });
    this.socket.on('close', () => this.finish(1006, 'connection lost'));
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  send(text: string): void {
    if (this.state !== 'open' || this.closed) return;
    this.socket.write(frame(1, Buffer.from(text)));
  }

  /** Drops the TCP connection without a closing handshake. */
  terminate(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private request(): string {
    const lines = [
      `GET ${this.options.path} HTTP/1.1`,
      `Host: ${this.options.hostPort}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
    ];
    if (this.options.protocols?.length)
      lines.push(`Sec-WebSocket-Protocol: ${this.options.protocols.join(', ')}`);
    return `${lines.join('\r\n')}\r\n\r\n`;
  }

  private onHandshake(chunk: Buffer): void {
    const end = chunk.indexOf(CRLF2);
    if (end < 0) {
      this.handshake += chunk.toString('latin1');
      if (this.handshake.length > 16_384) this.fail(new Error('oversized upgrade response'));
      return;
    }
    const head = this.handshake + chunk.toString('latin1', 0, end);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
    const rest = chunk.subarray(end + 4);
    if (status !== 101) {
      this.state = 'refused';
      this.refusal = { status, body: rest.toString() };
      // The refusal body usually arrives with the head; give the remainder a moment.
      setTimeout(() => {
        this.closed = true;
        this.socket.destroy();
        this.options.onRefused(this.refusal.status, this.refusal.body.slice(0, 300));
      }, 50);
      return;
    }
    this.state = 'open';
    this.options.onOpen();
    if (rest.length > 0) this.onFrames(rest);
  }

  private onFrames(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let at = 0;
    while (buf.length - at >= 2) {
      const b0 = buf[at]!;
      const b1 = buf[at + 1]!;
      let length = b1 & 0x7f;
      let header = 2;
      if (length === 126) {
        if (buf.length - at < 4) break;
        length = buf.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        if (buf.length - at < 10) break;
        length = Number(buf.readBigUInt64BE(at + 2));
        header = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const start = at + header + (masked ? 4 : 0);
      if (buf.length < start + length) break;
      const payload = buf.subarray(start, start + length);
      if (masked) for (let i = 0; i < length; i++) payload[i]! ^= buf[at + header + (i & 3)]!;
      at = start + length;
      this.onFrame(b0 & 0x0f, (b0 & 0x80) !== 0, payload);
      if (this.closed) return;
    }
    if (at < buf.length) this.pending = Buffer.from(buf.subarray(at));
  }

  private onFrame(opcode: number, fin: boolean, payload: Buffer): void {
    if (opcode === 1 || opcode === 2 || opcode === 0) {
      if (fin && this.fragments.length === 0) {
        this.options.onMessage(payload);
        return;
      }
      this.fragments.push(Buffer.from(payload));
      if (fin) {
        const whole = Buffer.concat(this.fragments);
        this.fragments = [];
        this.options.onMessage(whole);
      }
    } else if (opcode === 9) {
      this.socket.write(frame(10, payload));
    } else if (opcode === 8) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.socket.end(frame(8, payload.subarray(0, 2)));
      this.finish(code, payload.subarray(2).toString());
    }
  }

  private fail(error: Error): void {
    this.options.onError(error);
    this.terminate();
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.options.onClose(code, reason);
  }
}

/** A masked client frame (RFC 6455 §5.3 requires clients to mask). */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(header + 4 + length);
  out[0] = 0x80 | opcode;
  if (header === 2) out[1] = 0x80 | length;
  else if (header === 4) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(out, header);
  for (let i = 0; i < length; i++) out[header + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return out;
}
