import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact-secrets.js';

describe('redactSecrets', () => {
  it('hides bearer tokens, secret parameters and fields, and API key secrets', () => {
    expect(redactSecrets('Authorization: Bearer abc.def-ghi')).toBe('Authorization: Bearer [redacted]');
    expect(redactSecrets('#daemon=x&secret=s3cr3t&token=t0k3n')).toBe(
      '#daemon=x&secret=[redacted]&token=[redacted]',
    );
    expect(redactSecrets('RELAYBOX_ADMIN_TOKEN=abcdef rest')).toBe('RELAYBOX_ADMIN_TOKEN=[redacted] rest');
    expect(redactSecrets('{"adminToken":"abc","x":1}')).toBe('{"adminToken":"[redacted]","x":1}');
    expect(redactSecrets('key app_1.k_2:0123456789abcdefXYZ done')).toBe('key app_1.k_2:[redacted] done');
  });

  it('keeps ordinary lines, URLs and host:port as they are', () => {
    for (const line of [
      '  Origin     http://127.0.0.1:9000',
      'gateway listening on 0.0.0.0:9000',
      'connect ECONNREFUSED 127.0.0.1:6379',
      'Starting the docker stack',
    ]) {
      expect(redactSecrets(line)).toBe(line);
    }
  });
});
