import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPublicTarget, BlockedAddressError, isPrivateAddress, postWebhook } from './webhook-target.js';

describe('isPrivateAddress', () => {
  it('refuses loopback, private, link-local, CGNAT, unique-local and mapped addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a00:1',
      '224.0.0.1',
      'ff02::1',
      '0.0.0.0',
      'not an ip',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
  });

  it('allows public addresses', () => {
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '172.32.0.1',
      '2001:4860:4860::8888',
      '::ffff:8.8.8.8',
      '::ffff:808:808',
    ]) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });
});

describe('postWebhook', () => {
  let server: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (host: string, allowPrivateNetworks: boolean) =>
    postWebhook(`http://${host}:${port}/hook`, { 'content-type': 'application/json' }, '{}', {
      timeoutMs: 2000,
      allowPrivateNetworks,
    });

  it('reaches a loopback receiver when private networks are allowed', async () => {
    const before = hits;
    expect(await post('127.0.0.1', true)).toEqual({ status: 200 });
    expect(await post('localhost', true)).toEqual({ status: 200 });
    expect(hits).toBe(before + 2);
  });

  it('refuses it otherwise: literal addresses, and a name for the address it resolves to', async () => {
    const before = hits;
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', 'localhost']) {
      const outcome = await post(host, false);
      expect(outcome.status, host).toBeUndefined();
      expect(outcome.error, host).toMatch(/^blocked: .*private address/);
    }
    // `localhost` was refused after resolution (the lookup ran), not by its spelling.
    expect((await post('localhost', false)).error).toContain('localhost resolves to a private address');
    expect(hits).toBe(before);
  });

  it('assertPublicTarget refuses names resolving to loopback and private literals', async () => {
    await expect(assertPublicTarget(new URL(`http://localhost:${port}/`))).rejects.toBeInstanceOf(
      BlockedAddressError,
    );
    await expect(assertPublicTarget(new URL('http://[fd00::1]/'))).rejects.toBeInstanceOf(
      BlockedAddressError,
    );
    await expect(assertPublicTarget(new URL('http://8.8.8.8/'))).resolves.toBeUndefined();
  });
});
