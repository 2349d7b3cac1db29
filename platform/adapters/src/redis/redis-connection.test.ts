import { describe, expect, it } from 'vitest';
import { parseRedisCluster, redisClusterUrl } from './redis-connection.js';

describe('parseRedisCluster', () => {
  it('reads seed nodes and credentials of a redis+cluster:// URL', () => {
    expect(parseRedisCluster('redis+cluster://10.0.0.1:7000,redis-2.internal:7001/')).toEqual({
      seeds: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-2.internal', port: 7001 },
      ],
    });
    expect(parseRedisCluster('redis+cluster://app:p%40ss@h:7000')).toEqual({
      seeds: [{ host: 'h', port: 7000 }],
      username: 'app',
      password: 'p@ss',
    });
  });

  it('leaves a single-Redis URL alone and refuses a seed without a port', () => {
    expect(parseRedisCluster('redis://127.0.0.1:6379')).toBeUndefined();
    expect(() => parseRedisCluster('redis+cluster://h1:7000,h2')).toThrow(/invalid Redis Cluster seed 'h2'/);
    expect(() => redisClusterUrl('')).toThrow(/invalid Redis Cluster seed/);
    expect(redisClusterUrl(' h1:7000,h2:7001 ')).toBe('redis+cluster://h1:7000,h2:7001');
  });
});
