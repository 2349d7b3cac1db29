-- Removes a connection from a room's presence. When it was the connection's last room, the
-- connection is released from its gateway.
--
-- KEYS[1]  the room's members, <prefix>{<appId>:<room>}:presence (hash)
-- KEYS[2]  the connection's rooms, <prefix>presence:conn:<appId>:<connectionId> (set)
-- KEYS[3]  the connection's gateway, <prefix>presence:owner:<appId>:<connectionId> (string)
-- KEYS[4]  the gateways holding memberships, <prefix>presence:gateways (set)
-- ARGV[1]  connectionId
-- ARGV[2]  room
-- ARGV[3]  <appId>:<connectionId>
-- ARGV[4]  prefix: the gateway's set <prefix>presence:gw:<owner> is derived here (one Redis primary)
-- Returns  the removed value '<enteredAt>|<json>', or nil when the connection was not present
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if not existing then
  return false
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('SCARD', KEYS[2]) == 0 then
  local owner = redis.call('GET', KEYS[3])
  redis.call('DEL', KEYS[3])
  if owner then
    local gateway = ARGV[4] .. 'presence:gw:' .. owner
    redis.call('SREM', gateway, ARGV[3])
    if redis.call('SCARD', gateway) == 0 then
      redis.call('SREM', KEYS[4], owner)
    end
  end
end
return existing
