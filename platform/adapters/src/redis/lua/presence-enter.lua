-- Enters a connection into a room's presence, or updates it when it is present (re-entering is an
-- update: enteredAt is kept). The connection's memberships move to the calling gateway.
--
-- KEYS[1]  the room's members, <prefix>{presence}:room:<appId>:<room> (hash connectionId → value)
-- KEYS[2]  the connection's rooms, <prefix>{presence}:conn:<appId>:<connectionId> (set)
-- KEYS[3]  the connection's gateway, <prefix>{presence}:owner:<appId>:<connectionId> (string)
-- KEYS[4]  the calling gateway's connections, <prefix>{presence}:gw:<gatewayId> (set of <appId>:<connectionId>)
-- KEYS[5]  the gateways holding memberships, <prefix>{presence}:gateways (set)
-- KEYS[6]  the connections of the gateway the caller read from KEYS[3], <prefix>{presence}:gw:<ARGV[8]>
-- ARGV[1]  connectionId
-- ARGV[2]  room
-- ARGV[3]  '1': update only (change nothing when absent); '0': enter or update
-- ARGV[4]  now, ms (integer): enteredAt of a new member
-- ARGV[5]  the rest of the value, json {c: clientId, d: data, u: updatedAt}
-- ARGV[6]  gatewayId
-- ARGV[7]  <appId>:<connectionId>
-- ARGV[8]  the connection's gateway as the caller read it before this call ('' when none)
-- Returns  {1, value} entered, {2, value} updated, {0} update-only and absent, {-1} the connection
--          moved to another gateway since the caller read it (nothing changed: read again, retry);
--          value = '<enteredAt>|<json>'
local owner = redis.call('GET', KEYS[3]) or ''
if owner ~= ARGV[8] then
  return {-1}
end
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if not existing and ARGV[3] == '1' then
  return {0}
end
local action = 1
local entered = ARGV[4]
if existing then
  action = 2
  entered = string.match(existing, '^(%-?%d+)|') or ARGV[4]
end
local value = entered .. '|' .. ARGV[5]
redis.call('HSET', KEYS[1], ARGV[1], value)
redis.call('SADD', KEYS[2], ARGV[2])

if owner ~= ARGV[6] then
  if owner ~= '' then
    redis.call('SREM', KEYS[6], ARGV[7])
    if redis.call('SCARD', KEYS[6]) == 0 then
      redis.call('SREM', KEYS[5], owner)
    end
  end
  redis.call('SET', KEYS[3], ARGV[6])
  redis.call('SADD', KEYS[4], ARGV[7])
  redis.call('SADD', KEYS[5], ARGV[6])
end
return {action, value}
