import { TRACE_EVENT_TYPES } from '@relaybox/protocol';
import { describe, expect, it } from 'vitest';
import { AUTH_EVENT_LABELS, authEventLabel, isUserAuthEvent } from './auth-events.js';

describe('auth event labels', () => {
  it('labels every auth service event of the trace stream, and only those', () => {
    const serviceEvents = TRACE_EVENT_TYPES.filter((t) => t.startsWith('auth.') && t !== 'auth.failed');
    expect(Object.keys(AUTH_EVENT_LABELS).sort()).toEqual([...serviceEvents].sort());
    expect(authEventLabel('auth.refresh.reused')).toMatch(/reused/);
    expect(isUserAuthEvent('auth.failed')).toBe(false);
    expect(authEventLabel('room.joined')).toBe('room.joined');
  });
});
