-- Removes a connection from a room's presence. When it was the connection's last room, the
-- connection is released from its gateway.
--
-- KEYS[1]  the room's members, <prefix>{presence}:room:<appId>:<room> (hash)
-- KEYS[2]  the connection's rooms, <prefix>{presence}:conn:<appId>:<connectionId> (set)
-- KEYS[3]  the connection's gateway, <prefix>{presence}:owner:<appId>:<connectionId> (string)
-- KEYS[4]  the gateways holding memberships, <prefix>{presence}:gateways (set)
-- KEYS[5]  the connections of the gateway the caller read from KEYS[3], <prefix>{presence}:gw:<ARGV[4]>
-- ARGV[1]  connectionId
-- ARGV[2]  room
-- ARGV[3]  <appId>:<connectionId>
-- ARGV[4]  the connection's gateway as the caller read it before this call ('' when none)
-- Returns  {1, value} removed ('<enteredAt>|<json>'), {0} the connection was not present, {-1} the
--          connection moved to another gateway since the caller read it (nothing changed: retry)
local owner = redis.call('GET', KEYS[3]) or ''
if owner ~= ARGV[4] then
  return {-1}
end
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if not existing then
  return {0}
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('SCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[3])
  if owner ~= '' then
    redis.call('SREM', KEYS[5], ARGV[3])
    if redis.call('SCARD', KEYS[5]) == 0 then
      redis.call('SREM', KEYS[4], owner)
    end
  end
end
return {1, existing}
