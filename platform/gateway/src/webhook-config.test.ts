import { DEFAULT_APP_DELIVERY_BUDGET } from '@relaybox/workers';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const cloud = {
  RELAYBOX_KEY_SOURCE: 'cloud',
  RELAYBOX_CONTROL_PLANE_URL: 'http://127.0.0.1:9100',
  RELAYBOX_CONTROL_PLANE_TOKEN: 'a-service-token-of-some-length',
};

describe('webhook settings', () => {
  it('allow private networks in the local engines, not in production nor in cloud mode', () => {
    expect(loadConfig({}).webhookAllowPrivateNetworks).toBe(true);
    expect(loadConfig({ RELAYBOX_ENGINE: 'native' }).webhookAllowPrivateNetworks).toBe(true);
    expect(loadConfig({ RELAYBOX_ENV: 'production' }).webhookAllowPrivateNetworks).toBe(false);
    expect(loadConfig(cloud).webhookAllowPrivateNetworks).toBe(false);
  });

  it('take RELAYBOX_WEBHOOK_ALLOW_PRIVATE_NETWORKS either way, and nothing else', () => {
    expect(
      loadConfig({ ...cloud, RELAYBOX_WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1' }).webhookAllowPrivateNetworks,
    ).toBe(true);
    expect(loadConfig({ RELAYBOX_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' }).webhookAllowPrivateNetworks).toBe(
      false,
    );
    expect(() => loadConfig({ RELAYBOX_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'yes' })).toThrow(ConfigError);
  });

  it('bound delivery tries per app per minute (RELAYBOX_WEBHOOK_APP_BUDGET)', () => {
    expect(loadConfig({}).webhookAppBudget).toBe(DEFAULT_APP_DELIVERY_BUDGET);
    expect(loadConfig({ RELAYBOX_WEBHOOK_APP_BUDGET: '50' }).webhookAppBudget).toBe(50);
    expect(() => loadConfig({ RELAYBOX_WEBHOOK_APP_BUDGET: '0' })).toThrow(ConfigError);
  });
});
