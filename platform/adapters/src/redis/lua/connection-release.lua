-- Gives back one of an app's connections held by a gateway; never goes below zero (a release after
-- the gateway was swept changes nothing).
--
-- KEYS[1]  the app's reservations, <prefix>conn:{<appId>} (hash: gatewayId -> count)
-- ARGV[1]  gatewayId
-- Returns  1 released, 0 the gateway held none
local n = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if n <= 0 then
  return 0
end
if n == 1 then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
end
return 1
