import type { TraceEvent, TraceLog } from '@relaybox/core';
import { type TraceQuery, traceMatches } from '@relaybox/core';
import type { AdminResponse } from './admin-response.js';

const PING_MS = 15_000;
/** Unsent writes tolerated before a stream whose reader stopped reading is closed. */
const MAX_LAGGING_WRITES = 5_000;

/** Open server-sent-event streams, so a shutdown can end them. */
export class TraceStreams {
  private readonly open = new Set<() => void>();

  /**
   * `text/event-stream` of the log's new events that pass `filter` and `accept`: one
   * `data: <TraceEvent JSON>\n\n` per event, a `: ping` comment every 15 s. Ends when the client goes.
   */
  serve(
    response: AdminResponse,
    traces: TraceLog,
    filter: TraceQuery,
    accept: (event: TraceEvent) => boolean = () => true,
  ): void {
    const { res } = response;
    let lagging = 0;
    const write = (chunk: string) => {
      if (response.aborted) return;
      res.cork(() => {
        if (!res.write(chunk)) lagging++;
      });
      if (lagging > MAX_LAGGING_WRITES) end(true);
    };
    const stopFollowing = traces.follow((event) => {
      if (traceMatches(event, filter) && accept(event)) write(`data: ${JSON.stringify(event)}\n\n`);
    });
    const ping = setInterval(() => write(': ping\n\n'), PING_MS);
    ping.unref();
    const end = (close: boolean) => {
      stopFollowing();
      clearInterval(ping);
      this.open.delete(finish);
      if (close && !response.aborted) {
        response.aborted = true;
        res.close();
      }
    };
    const finish = () => end(true);
    this.open.add(finish);
    res.onAborted(() => {
      response.aborted = true;
      end(false);
    });
    res.onWritable(() => {
      lagging = 0;
      return true;
    });
    res.cork(() => {
      res.writeStatus('200 OK');
      response.cors();
      res
        .writeHeader('content-type', 'text/event-stream')
        .writeHeader('cache-control', 'no-cache')
        // nginx (docker engine) must not buffer the stream.
        .writeHeader('x-accel-buffering', 'no')
        .write(': connected\n\n');
    });
  }

  closeAll(): void {
    for (const finish of [...this.open]) finish();
  }
}
