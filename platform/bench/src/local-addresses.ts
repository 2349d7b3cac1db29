/**
 * Source addresses for client sockets. The whole 127/8 block is loopback on Linux, so spreading
 * clients over 127.0.0.2-127.0.0.254 multiplies the ephemeral ports available (~28k per address)
 * and keeps the TIME_WAIT sockets a previous row left behind from exhausting them.
 */
const FIRST = 2;
const LAST = 254;
let cursor = 0;

/** The next `count` addresses, continuing round-robin where the previous call stopped. */
export function takeLocalAddresses(count: number): string[] {
  const span = LAST - FIRST + 1;
  return Array.from({ length: count }, () => `127.0.0.${FIRST + (cursor++ % span)}`);
}
