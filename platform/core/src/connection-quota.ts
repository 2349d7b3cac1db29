/**
 * Per-app connection counts shared by every gateway of a cluster, so a per-app limit holds across
 * gateways and under concurrent upgrades.
 *
 * Guarantees:
 * - `reserve` is atomic: it counts the app's reservations on every gateway and takes one only
 *   while fewer than `max` are held, so N concurrent calls with `max` = M succeed at most M times.
 * - Reservations are counted per (app, gateway). `release` gives one back (never below zero);
 *   `releaseGateway` drops every reservation of a gateway (the dead-gateway sweep, or a gateway's
 *   own shutdown), after which a late `release` from that gateway changes nothing.
 * - A reservation has no expiry: a gateway that dies holds its reservations until it is swept.
 */
export interface ConnectionQuota {
  /** Takes one of the app's `max` connections for `gatewayId`; false when all are taken. */
  reserve(appId: string, gatewayId: string, max: number): Promise<boolean>;
  /** Gives back one connection of the app held by `gatewayId`. */
  release(appId: string, gatewayId: string): Promise<void>;
  /** The app's reservations across the cluster. */
  count(appId: string): Promise<number>;
  /** Drops every reservation of `gatewayId`; resolves how many were dropped. */
  releaseGateway(gatewayId: string): Promise<number>;
  /** Gateways that hold reservations (candidates for the dead-gateway sweep). */
  gateways(): Promise<string[]>;
  close(): Promise<void>;
}
