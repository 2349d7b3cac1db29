-- Reserves one of an app's connections for a gateway, if the app holds fewer than the limit across
-- the cluster. Atomic: concurrent upgrades on any gateways can never take more than the limit.
--
-- KEYS[1]  the app's reservations, <prefix>conn:{<appId>} (hash: gatewayId -> count)
-- ARGV[1]  gatewayId
-- ARGV[2]  the app's limit (integer >= 0)
-- Returns  1 reserved, 0 the limit is reached (nothing changed)
local total = 0
for _, n in ipairs(redis.call('HVALS', KEYS[1])) do
  total = total + tonumber(n)
end
if total >= tonumber(ARGV[2]) then
  return 0
end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return 1
