import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A client of one Redis (primary) or of a Redis Cluster: the stores use only what both offer. */
export type RedisClient = Redis | Cluster;

/** Scheme of a Redis Cluster address: `redis+cluster://[user:password@]host:port,host:port[/]`. */
export const REDIS_CLUSTER_SCHEME = 'redis+cluster://';

export interface RedisClusterAddress {
  seeds: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
}

/**
 * The seed nodes of a `redis+cluster://` URL, or undefined for any other URL (one Redis). A seed is
 * any node of the cluster; the client discovers the others and follows slot moves (MOVED/ASK).
 */
export function parseRedisCluster(url: string): RedisClusterAddress | undefined {
  if (!url.startsWith(REDIS_CLUSTER_SCHEME)) return undefined;
  let rest = url.slice(REDIS_CLUSTER_SCHEME.length).replace(/\/$/, '');
  const address: RedisClusterAddress = { seeds: [] };
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const [user, password] = rest.slice(0, at).split(':');
    if (user) address.username = decodeURIComponent(user);
    if (password !== undefined) address.password = decodeURIComponent(password);
    rest = rest.slice(at + 1);
  }
  for (const seed of rest.split(',')) {
    const match = /^([^:,/]+):(\d{1,5})$/.exec(seed.trim());
    if (!match) throw new Error(`invalid Redis Cluster seed '${seed}' in ${REDIS_CLUSTER_SCHEME} URL`);
    address.seeds.push({ host: match[1] as string, port: Number(match[2]) });
  }
  return address;
}

/** `redis+cluster://` URL of seed nodes given as `host:port,host:port` (RELAYBOX_REDIS_CLUSTER). */
export function redisClusterUrl(seeds: string): string {
  const url = `${REDIS_CLUSTER_SCHEME}${seeds.trim()}`;
  parseRedisCluster(url);
  return url;
}

/**
 * Opens a client for `url`: a `Cluster` for `redis+cluster://`, a `Redis` otherwise, with the same
 * per-node options. On a cluster the reconnect strategy is the cluster's (`clusterRetryStrategy`),
 * reads go to primaries (the stores read their own writes), and a command that meets a moved slot
 * or a failover in progress is redirected by ioredis (MOVED/ASK, TRYAGAIN, CLUSTERDOWN) within
 * `maxRedirections`.
 */
export function connectRedis(url: string, options: RedisOptions): RedisClient {
  const cluster = parseRedisCluster(url);
  if (!cluster) return new Redis(url, options);
  const { retryStrategy, enableOfflineQueue, ...perNode } = options;
  return new Cluster(cluster.seeds, {
    redisOptions: { ...perNode, username: cluster.username, password: cluster.password },
    clusterRetryStrategy: retryStrategy ? (times) => retryStrategy(times) : undefined,
    enableOfflineQueue: enableOfflineQueue ?? true,
    scaleReads: 'master',
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 2000,
  });
}

/** A second connection to the same Redis or cluster (for blocking reads), with per-node overrides. */
export function duplicateClient(client: RedisClient, overrides: Partial<RedisOptions>): RedisClient {
  if (client instanceof Cluster) {
    return client.duplicate(undefined, { redisOptions: { ...client.options.redisOptions, ...overrides } });
  }
  return client.duplicate(overrides);
}
