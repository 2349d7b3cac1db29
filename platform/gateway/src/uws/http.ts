import type { HttpResponse } from 'uWebSockets.js';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { jsonOf } from '../json-text.js';

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function statusLine(status: number): string {
  return `${status} ${STATUS_TEXT[status] ?? 'Unknown'}`;
}

/** Tracks whether the client went away; uWS forbids using a response after `onAborted` fired. */
export class ResponseGuard {
  aborted = false;
  /** `head`: the answer to a HEAD request has no body (RFC 9110): a keep-alive client would read it as the next answer. */
  constructor(
    readonly res: HttpResponse,
    protected readonly options: { head?: boolean } = {},
  ) {
    res.onAborted(() => {
      this.aborted = true;
    });
  }

  json(status: number, body: unknown): void {
    if (this.aborted) return;
    const text = jsonOf(body);
    this.res.cork(() => {
      const head = this.res.writeStatus(statusLine(status)).writeHeader('content-type', 'application/json');
      if (this.options.head) head.endWithoutBody();
      else head.end(text);
    });
  }

  /** The one place errors become HTTP responses: `{error:{code, message}}` with the code's status. */
  error(error: unknown): void {
    const rb = toRelayBoxError(error);
    this.json(rb.status, rb.toBody());
  }
}

/** The peer's address; read it in the request handler, before any await. */
export function remoteIp(res: HttpResponse): string {
  return Buffer.from(res.getRemoteAddressAsText()).toString();
}

export function toRelayBoxError(error: unknown): RelayBoxError {
  return error instanceof RelayBoxError
    ? error
    : new RelayBoxError(ErrorCode.Internal, 'internal error', { cause: error });
}

/** Reads a request body of at most `maxBytes`; rejects with `frame_too_large` (413) past it. */
export function readBody(guard: ResponseGuard, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    guard.res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        failed = true;
        reject(new RelayBoxError(ErrorCode.FrameTooLarge, `request body larger than ${maxBytes} bytes`));
        return;
      }
      // The chunk's memory is reused by uWS after this callback: copy it.
      chunks.push(Buffer.from(new Uint8Array(chunk.slice(0))));
      if (isLast) resolve(Buffer.concat(chunks, size));
    });
  });
}
