import { describe, expect, it } from 'vitest';
import { CloseCode, isReconnectCloseCode } from './close-codes.js';
import { ERROR_INFO, ErrorCode, isErrorCode, RelayBoxError } from './errors.js';
import { fnv1a32, shardOf } from './shard.js';

describe('ErrorCode', () => {
  it('gives every code a status and a retryable flag', () => {
    for (const code of Object.values(ErrorCode)) {
      expect(ERROR_INFO[code].status).toBeGreaterThanOrEqual(400);
      expect(typeof ERROR_INFO[code].retryable).toBe('boolean');
    }
  });

  it('marks auth failures final and availability failures retryable', () => {
    expect(new RelayBoxError(ErrorCode.TokenExpired, 'x')).toMatchObject({ status: 401, retryable: false });
    expect(new RelayBoxError(ErrorCode.PermissionDenied, 'x')).toMatchObject({
      status: 403,
      retryable: false,
    });
    expect(new RelayBoxError(ErrorCode.BrokerUnavailable, 'x')).toMatchObject({
      status: 503,
      retryable: true,
    });
    expect(new RelayBoxError(ErrorCode.RateLimited, 'x')).toMatchObject({ status: 429, retryable: true });
  });

  it('round-trips through the wire body and keeps the cause', () => {
    const cause = new Error('root');
    const error = new RelayBoxError(ErrorCode.NotJoined, 'join first', { cause });
    expect(error.cause).toBe(cause);
    expect(error.toBody()).toEqual({ error: { code: 'not_joined', message: 'join first' } });
    expect(RelayBoxError.fromBody(error.toBody())).toMatchObject({
      code: 'not_joined',
      message: 'join first',
      status: 403,
    });
    expect(RelayBoxError.fromBody({ error: { code: 'bogus' } }, 'fallback')).toMatchObject({
      code: 'internal_error',
      message: 'fallback',
    });
    expect(RelayBoxError.fromBody(null).code).toBe('internal_error');
    expect(isErrorCode('rate_limited')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });
});

describe('close codes', () => {
  it('decides reconnection from the range alone', () => {
    expect(isReconnectCloseCode(CloseCode.ServerShutdown)).toBe(true);
    expect(isReconnectCloseCode(CloseCode.SlowConsumer)).toBe(true);
    expect(isReconnectCloseCode(4099)).toBe(true);
    expect(isReconnectCloseCode(CloseCode.Unauthorized)).toBe(false);
    expect(isReconnectCloseCode(CloseCode.TokenExpired)).toBe(false);
    expect(isReconnectCloseCode(4199)).toBe(false);
    expect(isReconnectCloseCode(1006)).toBe(true);
    expect(isReconnectCloseCode(1000)).toBe(false);
  });
});

describe('shardOf', () => {
  it('is FNV-1a 32 (reference vectors) and stable', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(shardOf('app', 'room', 64)).toBe(fnv1a32('app:room') % 64);
  });

  it('spreads rooms over every shard and separates apps', () => {
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[shardOf('app', `room-${i}`, 16)]++;
    for (const n of counts) expect(n).toBeGreaterThan(800);
    const differ = Array.from(
      { length: 50 },
      (_, i) => shardOf('a1', `r${i}`, 64) !== shardOf('a2', `r${i}`, 64),
    );
    expect(differ.filter(Boolean).length).toBeGreaterThan(40);
  });

  it('refuses a bad shard count', () => {
    expect(() => shardOf('a', 'b', 0)).toThrow(RangeError);
    expect(() => shardOf('a', 'b', 1.5)).toThrow(RangeError);
  });
});
