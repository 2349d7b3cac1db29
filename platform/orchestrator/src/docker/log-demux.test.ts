import { describe, expect, it } from 'vitest';
import { LogDemuxer } from './log-demux.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('LogDemuxer', () => {
  it('splits frames cut anywhere into whole lines per stream', () => {
    const lines: string[] = [];
    const demuxer = new LogDemuxer((stream, line) => lines.push(`${stream}:${line}`));
    const all = Buffer.concat([
      frame(1, 'hello wo'),
      frame(2, 'oops\n'),
      frame(1, 'rld\nsecond\nthi'),
      frame(1, 'rd'),
    ]);
    for (let i = 0; i < all.length; i += 5) demuxer.push(all.subarray(i, i + 5));
    demuxer.end();
    expect(lines).toEqual(['stderr:oops', 'stdout:hello world', 'stdout:second', 'stdout:third']);
  });
});
