/** Parses a stream of newline-separated JSON objects (Docker's build, pull and events streams). */
export async function* jsonLines<T>(stream: NodeJS.ReadableStream): AsyncGenerator<T> {
  let buffer = '';
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    buffer += chunk.toString();
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) yield parse<T>(line);
      newline = buffer.indexOf('\n');
    }
  }
  if (buffer.trim()) yield parse<T>(buffer.trim());
}

function parse<T>(line: string): T {
  try {
    return JSON.parse(line) as T;
  } catch {
    // Not JSON (a proxy's error page, a truncated line): pass it on as text.
    return { stream: `${line}\n` } as T;
  }
}
