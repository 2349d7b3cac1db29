import { describe, expect, it } from 'vitest';
import { describeFrame, PREVIEW_CHARS } from './frame-preview.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl';

describe('frame preview', () => {
  it('redacts the token of a refresh frame and the resume secret of connected', () => {
    const refresh = describeFrame('in', JSON.stringify({ type: 'refresh', ref: 3, token: JWT }), 1);
    expect(refresh.type).toBe('refresh');
    expect(refresh.preview).not.toContain(JWT);
    expect(refresh.preview).toContain('"token":"[redacted]"');
    const connected = describeFrame('out', JSON.stringify({ type: 'connected', resumeSecret: 's3cr3t' }), 1);
    expect(connected.preview).not.toContain('s3cr3t');
  });

  it('redacts a JWT anywhere, even in a frame that does not parse', () => {
    const bad = describeFrame('in', `{"type":"publish","data":"${JWT}"`, 1);
    expect(bad.type).toBe('invalid');
    expect(bad.preview).not.toContain(JWT);
    const nested = describeFrame('in', JSON.stringify({ type: 'publish', data: { note: JWT } }), 1);
    expect(nested.preview).not.toContain(JWT);
  });

  it('truncates to the preview bound and keeps the real size', () => {
    const text = JSON.stringify({ type: 'publish', data: 'x'.repeat(5000) });
    const frame = describeFrame('in', text, 1);
    expect(frame.size).toBe(text.length);
    expect(frame.truncated).toBe(true);
    expect(frame.preview.length).toBe(PREVIEW_CHARS + 1);
  });
});
