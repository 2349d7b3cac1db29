-- The index half of an enter or update (its first and last steps): records the room among the
-- connection's rooms and moves the connection's memberships to the calling gateway. The member
-- itself is written next by presence-room-set.lua in the room's own slot, with the token returned
-- here; then this runs again with that token, which indexes the member again if a removal (a sweep
-- of the gateway) took the entry meanwhile and found no member yet. Index first: a call cut after
-- this step leaves an index entry without a member (removed as nothing later), never a member no
-- index reaches.
--
-- KEYS[1]  the connection's rooms, <prefix>{presence-index}:conn:<appId>:<connectionId> (hash room → token)
-- KEYS[2]  the connection's gateway, <prefix>{presence-index}:owner:<appId>:<connectionId> (string)
-- KEYS[3]  the calling gateway's connections, <prefix>{presence-index}:gw:<gatewayId> (set of <appId>:<connectionId>)
-- KEYS[4]  the gateways holding memberships, <prefix>{presence-index}:gateways (set)
-- KEYS[5]  the connections of the gateway the caller read from KEYS[2], <prefix>{presence-index}:gw:<ARGV[6]>
-- ARGV[1]  room
-- ARGV[2]  a fresh token (digits), kept when the room is not indexed yet; the member's token when
--          called again after presence-room-set.lua (re-indexes a member a removal took meanwhile)
-- ARGV[3]  '1': update only (change nothing when the room is not indexed); '0': enter or update
-- ARGV[4]  gatewayId
-- ARGV[5]  <appId>:<connectionId>
-- ARGV[6]  the connection's gateway as the caller read it before this call ('' when none)
-- Returns  {1, token} indexed (the membership's token: the one already indexed, else ARGV[2]),
--          {0} update only and not indexed, {-1} the connection moved to another gateway since the
--          caller read it (nothing changed: read again, retry)
local owner = redis.call('GET', KEYS[2]) or ''
if owner ~= ARGV[6] then
  return {-1}
end
if ARGV[3] == '1' and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return {0}
end
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
local token = redis.call('HGET', KEYS[1], ARGV[1])

if owner ~= ARGV[4] then
  if owner ~= '' then
    redis.call('SREM', KEYS[5], ARGV[5])
    if redis.call('SCARD', KEYS[5]) == 0 then
      redis.call('SREM', KEYS[4], owner)
    end
  end
  redis.call('SET', KEYS[2], ARGV[4])
  redis.call('SADD', KEYS[3], ARGV[5])
  redis.call('SADD', KEYS[4], ARGV[4])
end
return {1, token}
