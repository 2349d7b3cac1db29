-- One batch of a removal of a connection's memberships (removeConnection, and removeGateway per
-- connection), index side. Moves up to ARGV[4] memberships from the connection's rooms to its
-- "removing" hash and returns them; the caller then removes each member in its room's slot
-- (presence-room-remove.lua with the token) and drops the batch (presence-index-done.lua). A batch
-- a crashed caller left in "removing" is returned again first, so the next removal finishes it. Once
-- nothing is left, the connection is released from its gateway.
--
-- KEYS[1]  the connection's rooms, <prefix>{presence-index}:conn:<appId>:<connectionId> (hash room → token)
-- KEYS[2]  the connection's memberships being removed, <prefix>{presence-index}:removing:<appId>:<connectionId> (hash room → token)
-- KEYS[3]  the connection's gateway, <prefix>{presence-index}:owner:<appId>:<connectionId> (string)
-- KEYS[4]  the gateways holding memberships, <prefix>{presence-index}:gateways (set)
-- KEYS[5]  the connections of the gateway ARGV[3] names, <prefix>{presence-index}:gw:<ARGV[3]> (set)
-- ARGV[1]  <appId>:<connectionId>
-- ARGV[2]  '1': remove only while the connection belongs to ARGV[3]; '0': whatever its gateway
-- ARGV[3]  with ARGV[2] '1' that gateway; otherwise the connection's gateway as the caller read it
--          before this call ('' when none)
-- ARGV[4]  batch size (integer > 0)
-- Returns  {status, room, token, room, token, ...}: status 1 when the connection has no membership
--          left (released) or (ARGV[2] '1') belongs to another gateway, whose stale reference in
--          KEYS[5] is then dropped; 0 a batch to remove; -1 the connection moved since the caller
--          read its gateway (nothing changed: retry)
local owner = redis.call('GET', KEYS[3]) or ''
if owner ~= ARGV[3] then
  if ARGV[2] == '0' then
    return {-1}
  end
  redis.call('SREM', KEYS[5], ARGV[1])
  if redis.call('SCARD', KEYS[5]) == 0 then
    redis.call('SREM', KEYS[4], ARGV[3])
  end
  return {1}
end
local batch = tonumber(ARGV[4])
local out = {0}
local pending = redis.call('HRANDFIELD', KEYS[2], batch, 'WITHVALUES')
if #pending > 0 then
  for i = 1, #pending do
    out[#out + 1] = pending[i]
  end
  return out
end
local taken = redis.call('HRANDFIELD', KEYS[1], batch, 'WITHVALUES')
if #taken == 0 then
  redis.call('DEL', KEYS[3])
  if owner ~= '' then
    redis.call('SREM', KEYS[5], ARGV[1])
    if redis.call('SCARD', KEYS[5]) == 0 then
      redis.call('SREM', KEYS[4], owner)
    end
  end
  return {1}
end
for i = 1, #taken, 2 do
  redis.call('HDEL', KEYS[1], taken[i])
  redis.call('HSET', KEYS[2], taken[i], taken[i + 1])
  out[#out + 1] = taken[i]
  out[#out + 1] = taken[i + 1]
end
return out
