import { ErrorCode, type RelayBoxError } from '@relaybox/protocol';
import { describe, expect, it } from 'vitest';
import { AdminGuard, hostName, isLocalOrigin } from './admin-guard.js';

const TOKEN = 'admin-token-0123456789';
const guard = new AdminGuard({ token: TOKEN, allowRemote: false });
const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as RelayBoxError).code;
  }
};
const ok = { host: 'localhost:9000', origin: '', authorization: `Bearer ${TOKEN}` };

describe('AdminGuard', () => {
  it('accepts the token from local hosts and origins', () => {
    for (const host of ['localhost', '127.0.0.1:9000', '[::1]:80', 'LOCALHOST:1']) {
      expect(codeOf(() => guard.check({ ...ok, host }))).toBeUndefined();
    }
    expect(codeOf(() => guard.check({ ...ok, origin: 'http://localhost:5173' }))).toBeUndefined();
    expect(codeOf(() => guard.check({ ...ok, origin: 'https://127.0.0.1' }))).toBeUndefined();
  });

  it('refuses a foreign Host (DNS rebinding) or Origin with 403, before looking at the token', () => {
    for (const host of ['evil.example', 'evil.example:9000', 'localhost.evil.example', '10.0.0.1', '']) {
      expect(codeOf(() => guard.check({ ...ok, host, authorization: '' }))).toBe(ErrorCode.PermissionDenied);
    }
    for (const origin of [
      'http://evil.example',
      'null',
      'file://',
      'chrome-extension://x',
      'http://localhost.evil.example',
    ]) {
      expect(codeOf(() => guard.check({ ...ok, origin }))).toBe(ErrorCode.PermissionDenied);
    }
  });

  it('answers 401 without a token or with a wrong one', () => {
    expect(codeOf(() => guard.check({ ...ok, authorization: '' }))).toBe(ErrorCode.Unauthorized);
    expect(codeOf(() => guard.check({ ...ok, authorization: TOKEN }))).toBe(ErrorCode.Unauthorized);
    expect(codeOf(() => guard.check({ ...ok, authorization: 'Bearer nope' }))).toBe(
      ErrorCode.InvalidCredentials,
    );
    expect(codeOf(() => guard.check({ ...ok, authorization: `Bearer ${TOKEN}x` }))).toBe(
      ErrorCode.InvalidCredentials,
    );
    const error = (() => {
      try {
        guard.check({ ...ok, authorization: 'Bearer wrong-token' });
      } catch (e) {
        return e as RelayBoxError;
      }
    })();
    expect(error?.status).toBe(401);
    expect(error?.message).not.toContain(TOKEN);
  });

  it('with remote use allowed: any Host/Origin, still the token', () => {
    const remote = new AdminGuard({ token: TOKEN, allowRemote: true });
    expect(
      codeOf(() => remote.check({ ...ok, host: 'evil.example', origin: 'http://evil.example' })),
    ).toBeUndefined();
    expect(codeOf(() => remote.check({ ...ok, host: 'evil.example', authorization: '' }))).toBe(
      ErrorCode.Unauthorized,
    );
    expect(remote.corsOrigin('http://evil.example')).toBe('http://evil.example');
    expect(guard.corsOrigin('http://evil.example')).toBeUndefined();
    expect(guard.corsOrigin('http://localhost:5173')).toBe('http://localhost:5173');
  });

  it('parses host names', () => {
    expect(hostName('[::1]:9000')).toBe('[::1]');
    expect(hostName('Example.com:80')).toBe('example.com');
    expect(isLocalOrigin('http://[::1]:3000')).toBe(true);
  });
});
