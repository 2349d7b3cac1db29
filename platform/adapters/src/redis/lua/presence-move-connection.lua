-- Hands every membership of a connection to another gateway, with no presence change (a resumed
-- connection): a later removal of the old gateway leaves the connection alone.
--
-- KEYS[1]  the connection's rooms, <prefix>presence:conn:<appId>:<connectionId> (set)
-- KEYS[2]  the connection's gateway, <prefix>presence:owner:<appId>:<connectionId> (string)
-- KEYS[3]  the new gateway's connections, <prefix>presence:gw:<gatewayId> (set)
-- KEYS[4]  the gateways holding memberships, <prefix>presence:gateways (set)
-- ARGV[1]  gatewayId
-- ARGV[2]  <appId>:<connectionId>
-- ARGV[3]  prefix: the previous gateway's set is derived here (one Redis primary)
-- Returns  the number of rooms the connection is present in (0: nothing moved)
local count = redis.call('SCARD', KEYS[1])
if count == 0 then
  return 0
end
local owner = redis.call('GET', KEYS[2])
if owner ~= ARGV[1] then
  if owner then
    local previous = ARGV[3] .. 'presence:gw:' .. owner
    redis.call('SREM', previous, ARGV[2])
    if redis.call('SCARD', previous) == 0 then
      redis.call('SREM', KEYS[4], owner)
    end
  end
  redis.call('SET', KEYS[2], ARGV[1])
  redis.call('SADD', KEYS[3], ARGV[2])
  redis.call('SADD', KEYS[4], ARGV[1])
end
return count
