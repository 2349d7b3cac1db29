import { type LookupAddress, lookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';

/**
 * Where webhook deliveries may go (SSRF guard), and the one POST every sender uses (the control
 * plane's "send test event", the workers' deliveries).
 *
 * Unless `allowPrivateNetworks`, a target whose host is, or resolves to, a loopback, private,
 * link-local (cloud metadata), CGNAT, multicast, reserved or unspecified address, IPv4, IPv6 or
 * IPv4-mapped IPv6, is refused. The check runs on every POST at connect time (the `lookup` hook)
 * and again on the socket's connected address, so a name that resolved to a public address when
 * the endpoint was created and to 127.0.0.1 now (DNS rebinding) is still refused.
 */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

/** True for an address a webhook must not reach by default (and for anything that is not an IP). */
export function isPrivateAddress(address: string): boolean {
  // IPv4-mapped IPv6 (::ffff:a.b.c.d or ::ffff:7f00:1) is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(.+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return isPrivateAddress(isIP(mapped) === 4 ? mapped : hexToIpv4(mapped));
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A webhook target refused by the SSRF guard; `message` names the host, never a secret. */
export class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
  readonly code = 'ERR_WEBHOOK_TARGET_BLOCKED';
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** Resolves `hostname` (every address); refuses it when any address is private. */
export function publicOnlyLookup(hostname: string, options: object, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    const blocked = list.find((a) => isPrivateAddress(a.address));
    if (blocked || list.length === 0) {
      return callback(new BlockedAddressError(`${hostname} resolves to a private address`), []);
    }
    if ((options as { all?: boolean }).all) return callback(null, list);
    const first = list[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
}

/** The URL's host without IPv6 brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * Resolves the URL's host now and throws `BlockedAddressError` when it is (or resolves to) a
 * private address; used when an endpoint is created, so a mistake is refused at once. Delivery
 * checks again (`postWebhook`): this check alone cannot stop DNS rebinding.
 */
export async function assertPublicTarget(url: URL): Promise<void> {
  const host = hostOf(url);
  if (isIP(host) !== 0) {
    if (isPrivateAddress(host)) throw new BlockedAddressError(`${host} is a private address`);
    return;
  }
  await new Promise<void>((resolve, reject) =>
    publicOnlyLookup(host, {}, (err) => (err ? reject(err) : resolve())),
  );
}

export interface PostWebhookOptions {
  /** Time allowed for the response headers. */
  timeoutMs: number;
  /** False: refuse private targets (the production default). */
  allowPrivateNetworks: boolean;
}

/**
 * Status of the answer, or why there is none (`blocked: ...`, `timeout: ...`, `network error: ...`);
 * `blocked` is set when the SSRF guard refused the target (nothing was sent).
 */
export type WebhookPostOutcome =
  | { status: number; error?: undefined; blocked?: undefined }
  | { status?: undefined; error: string; blocked?: true };

/**
 * One POST with node:http(s), bounded by `timeoutMs` to the response headers; redirects are not
 * followed and the answer's body is discarded. Never throws.
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: PostWebhookOptions,
): Promise<WebhookPostOutcome> {
  const target = new URL(url);
  const guard = !options.allowPrivateNetworks;
  const host = hostOf(target);
  if (guard && isIP(host) !== 0 && isPrivateAddress(host)) {
    return Promise.resolve({ error: `blocked: ${host} is a private address`, blocked: true });
  }
  const signal = AbortSignal.timeout(options.timeoutMs);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal,
        // A fresh connection per POST: a pooled socket would skip the connect-time checks.
        agent: false,
        ...(guard ? { lookup: publicOnlyLookup } : {}),
      },
      (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0 });
        request.destroy();
      },
    );
    if (guard) {
      // The address actually connected to, whatever resolved it: the last word on the target.
      request.on('socket', (socket) =>
        socket.once('connect', () => {
          const remote = socket.remoteAddress ?? '';
          if (isPrivateAddress(remote))
            request.destroy(new BlockedAddressError(`${remote} is a private address`));
        }),
      );
    }
    request.on('error', (error) => {
      if (error instanceof BlockedAddressError) {
        return resolve({ error: `blocked: ${error.message}`, blocked: true });
      }
      if (signal.aborted) return resolve({ error: `timeout: no answer within ${options.timeoutMs} ms` });
      const code = (error as NodeJS.ErrnoException).code;
      resolve({ error: `network error: ${code ?? error.message}` });
    });
    request.end(body);
  });
}

function hexToIpv4(hex: string): string {
  const [hi = '', lo = ''] = hex.split(':');
  const n = ((Number.parseInt(hi, 16) & 0xffff) << 16) | (Number.parseInt(lo, 16) & 0xffff);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
