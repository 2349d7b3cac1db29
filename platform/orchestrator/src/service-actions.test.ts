import { describe, expect, it } from 'vitest';
import { controllableActions } from './service-actions.js';

describe('controllableActions', () => {
  it('offers start for a service that is down, stop and restart for one that runs', () => {
    expect(controllableActions('stopped')).toEqual(['start']);
    expect(controllableActions('exited')).toEqual(['start']);
    expect(controllableActions('healthy')).toEqual(['stop', 'restart']);
    expect(controllableActions('running')).toEqual(['stop', 'restart']);
    expect(controllableActions('unhealthy')).toEqual(['stop', 'restart']);
  });

  it('lets a service on its way up or down be stopped, not restarted', () => {
    expect(controllableActions('starting')).toEqual(['stop']);
    expect(controllableActions('restarting')).toEqual(['stop']);
  });
});
