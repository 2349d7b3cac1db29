import { BlockList, isIP } from 'node:net';

/** How many `X-Forwarded-For` entries are walked at most (a longer chain is cut there). */
export const MAX_FORWARDED_HOPS = 16;

/** `::ffff:10.0.0.1` → `10.0.0.1`, so IPv4 CIDRs match IPv4 clients that reach an IPv6 socket. */
function normalize(address: string): string {
  const trimmed = address.trim();
  const mapped = /^(?:0{1,4}:){0,5}:?(?:0{0,4}:)?ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return mapped?.[1] ?? trimmed;
}

function family(address: string): 'ipv4' | 'ipv6' | undefined {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

/**
 * `TRUST_PROXY`: the proxies (nginx, an ingress) whose `X-Forwarded-For` the gateway believes.
 * The client address is found by walking the chain right to left from the connecting peer: each
 * hop in a trusted CIDR vouches for the address to its left; the first untrusted (or malformed)
 * hop ends the walk. An untrusted peer's header is ignored entirely, so a client cannot pick the
 * address its per-IP limits are counted under.
 */
export class TrustedProxies {
  private readonly list = new BlockList();

  private constructor(readonly cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const [address = '', bits] = cidr.split('/');
      const type = family(normalize(address));
      if (!type) throw new Error(`not an IP address or CIDR: "${cidr}"`);
      const max = type === 'ipv4' ? 32 : 128;
      const prefix = bits === undefined ? max : Number(bits);
      if (
        !Number.isInteger(prefix) ||
        prefix < 0 ||
        prefix > max ||
        (bits !== undefined && !/^\d+$/.test(bits))
      )
        throw new Error(`bad prefix length in "${cidr}" (0-${max})`);
      this.list.addSubnet(normalize(address), prefix, type);
    }
  }

  /** A comma-separated list of CIDRs or addresses (`10.0.0.0/8, 127.0.0.1, fd00::/8`); empty = none. */
  static parse(value: string | undefined): TrustedProxies {
    const cidrs = (value ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return new TrustedProxies(cidrs);
  }

  trusts(address: string): boolean {
    const normalized = normalize(address);
    const type = family(normalized);
    return type !== undefined && this.list.check(normalized, type);
  }

  /** The client address for per-IP limits, from the socket peer and its `X-Forwarded-For` header. */
  clientAddress(peer: string, forwardedFor: string): string {
    let client = normalize(peer);
    if (this.cidrs.length === 0 || !forwardedFor || !this.trusts(client)) return client;
    const hops = forwardedFor.split(',');
    for (let i = hops.length - 1, walked = 0; i >= 0 && walked < MAX_FORWARDED_HOPS; i--, walked++) {
      const hop = normalize(hops[i] ?? '');
      if (!family(hop)) return client;
      client = hop;
      if (!this.trusts(hop)) return client;
    }
    return client;
  }
}
