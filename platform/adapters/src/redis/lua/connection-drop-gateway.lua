-- Drops every reservation a gateway holds in one app (the dead-gateway sweep, one app at a time).
--
-- KEYS[1]  the app's reservations, <prefix>conn:{<appId>} (hash: gatewayId -> count)
-- ARGV[1]  gatewayId
-- Returns  how many reservations were dropped
local n = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
redis.call('HDEL', KEYS[1], ARGV[1])
return n
