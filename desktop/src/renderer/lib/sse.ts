import { ApiError, authorizedFetch } from './http.js';

/**
 * Follows a `text/event-stream` with fetch + ReadableStream (EventSource cannot send the
 * Authorization header). Calls `onData` with each event's `data` (multi-line data joined by `\n`);
 * comments (`: ping`) are skipped. Resolves when the stream ends or `signal` aborts.
 */
export async function followEventStream(
  url: string,
  token: string | undefined,
  signal: AbortSignal,
  onData: (data: string) => void,
): Promise<void> {
  const response = await authorizedFetch(url, token, { signal, headers: { accept: 'text/event-stream' } });
  if (!response.ok || !response.body) {
    throw new ApiError(
      response.status,
      `http_${response.status}`,
      `event stream refused: HTTP ${response.status}`,
    );
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n/g, '\n');
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const data = dataOf(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (data !== undefined) onData(data);
        end = buffer.indexOf('\n\n');
      }
    }
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  } finally {
    reader.releaseLock();
  }
}

/** The `data` of one event block, or undefined for a comment-only block. */
export function dataOf(block: string): string | undefined {
  const lines = block
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
  return lines.length > 0 ? lines.join('\n') : undefined;
}
