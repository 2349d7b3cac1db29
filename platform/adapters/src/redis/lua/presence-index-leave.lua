-- The index half of a leave (after presence-room-remove.lua removed the member): drops the room
-- from the connection's rooms when it still holds the removed member's token (a later enter keeps
-- its own), and releases the connection from its gateway once it has no membership left.
--
-- KEYS[1]  the connection's rooms, <prefix>{presence-index}:conn:<appId>:<connectionId> (hash room → token)
-- KEYS[2]  the connection's memberships being removed, <prefix>{presence-index}:removing:<appId>:<connectionId> (hash room → token)
-- KEYS[3]  the connection's gateway, <prefix>{presence-index}:owner:<appId>:<connectionId> (string)
-- KEYS[4]  the gateways holding memberships, <prefix>{presence-index}:gateways (set)
-- KEYS[5]  the connections of the gateway the caller read from KEYS[3], <prefix>{presence-index}:gw:<ARGV[4]>
-- ARGV[1]  room
-- ARGV[2]  the removed member's token
-- ARGV[3]  <appId>:<connectionId>
-- ARGV[4]  the connection's gateway as the caller read it before this call ('' when none)
-- Returns  1 done, -1 the connection moved to another gateway since the caller read it (nothing
--          changed: read again, retry)
local owner = redis.call('GET', KEYS[3]) or ''
if owner ~= ARGV[4] then
  return -1
end
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
if redis.call('HLEN', KEYS[1]) == 0 and redis.call('HLEN', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[3])
  if owner ~= '' then
    redis.call('SREM', KEYS[5], ARGV[3])
    if redis.call('SCARD', KEYS[5]) == 0 then
      redis.call('SREM', KEYS[4], owner)
    end
  end
end
return 1
