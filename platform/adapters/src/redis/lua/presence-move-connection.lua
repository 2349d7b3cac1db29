-- Hands every membership of a connection to another gateway, with no presence change (a resumed
-- connection): a later removal of the old gateway leaves the connection alone.
--
-- KEYS[1]  the connection's rooms, <prefix>{presence-index}:conn:<appId>:<connectionId> (hash room → token)
-- KEYS[2]  the connection's gateway, <prefix>{presence-index}:owner:<appId>:<connectionId> (string)
-- KEYS[3]  the new gateway's connections, <prefix>{presence-index}:gw:<gatewayId> (set)
-- KEYS[4]  the gateways holding memberships, <prefix>{presence-index}:gateways (set)
-- KEYS[5]  the connections of the gateway the caller read from KEYS[2], <prefix>{presence-index}:gw:<ARGV[3]>
-- ARGV[1]  gatewayId
-- ARGV[2]  <appId>:<connectionId>
-- ARGV[3]  the connection's gateway as the caller read it before this call ('' when none)
-- Returns  the number of rooms the connection is present in (0: nothing moved), or -1 the
--          connection moved to another gateway since the caller read it (nothing changed: retry)
local owner = redis.call('GET', KEYS[2]) or ''
if owner ~= ARGV[3] then
  return -1
end
local count = redis.call('HLEN', KEYS[1])
if count == 0 then
  return 0
end
if owner ~= ARGV[1] then
  if owner ~= '' then
    redis.call('SREM', KEYS[5], ARGV[2])
    if redis.call('SCARD', KEYS[5]) == 0 then
      redis.call('SREM', KEYS[4], owner)
    end
  end
  redis.call('SET', KEYS[2], ARGV[1])
  redis.call('SADD', KEYS[3], ARGV[2])
  redis.call('SADD', KEYS[4], ARGV[1])
end
return count
