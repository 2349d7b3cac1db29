-- Writes (or removes) one gateway's figures of one room; on request also deletes the stale figures
-- of other gateways (gateways that stopped reporting without their final flush).
--
-- KEYS[1]  the room's figures, <prefix>{<appId>:<room>}:metrics (hash gatewayId -> figures)
-- ARGV[1]  gatewayId
-- ARGV[2]  the figures '<flushedAt>|<msgIn/s>|<msgOut/s>|<bytesIn/s>|<bytesOut/s>|<subscribers>|<connections>'
--          (flushedAt: integer ms), or '' to remove the gateway's figures
-- ARGV[3]  ttl in ms: the hash expires this long after the last write of any gateway
-- ARGV[4]  '' (no pruning), or a time in ms: figures flushed at or before it are deleted
-- Returns  the number of gateways whose figures the hash holds afterwards
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
if ARGV[4] ~= '' then
  local cutoff = tonumber(ARGV[4])
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all, 2 do
    local flushedAt = tonumber(string.match(all[i + 1], '^(%d+)|'))
    if flushedAt == nil or flushedAt <= cutoff then
      redis.call('HDEL', KEYS[1], all[i])
    end
  end
end
return redis.call('HLEN', KEYS[1])
