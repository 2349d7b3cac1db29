import { describe, expect, it } from 'vitest';
import { PAYLOAD_BYTES, payloadJson, scanPayload } from './payload.js';

describe('payloadJson', () => {
  it('is exactly PAYLOAD_BYTES by default and exactly 64 bytes for the hot room, and scans back', () => {
    const t = 4_567_890_123;
    expect(Buffer.byteLength(payloadJson(t, 3, 12_345))).toBe(PAYLOAD_BYTES);
    const small = payloadJson(t, 3, 12_345, 64);
    expect(Buffer.byteLength(small)).toBe(64);
    const out = { t: 0, p: 0, s: 0 };
    expect(scanPayload(Buffer.from(small), out)).toBe(true);
    expect(out).toEqual({ t, p: 3, s: 12_345 });
    expect(JSON.parse(small).x).toMatch(/^x+$/);
  });
});
