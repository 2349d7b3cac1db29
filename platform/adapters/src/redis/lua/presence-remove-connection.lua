-- Removes a batch of the memberships of one connection: one batch of removeConnection (and of
-- removeGateway, per connection), which reads a batch of the connection's rooms (SRANDMEMBER) and
-- calls this again until it reports done. Each batch is atomic; the whole removal is not.
--
-- KEYS[1]  the connection's rooms, <prefix>{presence}:conn:<appId>:<connectionId> (set)
-- KEYS[2]  the connection's gateway, <prefix>{presence}:owner:<appId>:<connectionId> (string)
-- KEYS[3]  the gateways holding memberships, <prefix>{presence}:gateways (set)
-- KEYS[4]  the connections of the gateway ARGV[4] names, <prefix>{presence}:gw:<ARGV[4]> (set)
-- KEYS[5.] the members of each room of ARGV[5.], <prefix>{presence}:room:<appId>:<room> (hash), in order
-- ARGV[1]  <appId>:<connectionId>
-- ARGV[2]  connectionId
-- ARGV[3]  '1': remove only while the connection belongs to ARGV[4]; '0': whatever its gateway
-- ARGV[4]  with ARGV[3] '1' that gateway; otherwise the connection's gateway as the caller read it
--          before this call ('' when none)
-- ARGV[5.] the rooms of this batch, read from KEYS[1] by the caller
-- Returns  {status, room, value, room, value, ...}: status 1 when the connection has no membership
--          left or (ARGV[3] '1') belongs to another gateway, whose stale reference in KEYS[4] is then
--          dropped; 0 more to remove; -1 the connection moved since the caller read its gateway
--          (nothing changed: retry); value = '<enteredAt>|<json>'
local owner = redis.call('GET', KEYS[2]) or ''
if owner ~= ARGV[4] then
  if ARGV[3] == '0' then
    return {-1}
  end
  redis.call('SREM', KEYS[4], ARGV[1])
  if redis.call('SCARD', KEYS[4]) == 0 then
    redis.call('SREM', KEYS[3], ARGV[4])
  end
  return {1}
end
local out = {0}
for i = 5, #ARGV do
  local room = ARGV[i]
  local members = KEYS[i]
  redis.call('SREM', KEYS[1], room)
  local value = redis.call('HGET', members, ARGV[2])
  if value then
    redis.call('HDEL', members, ARGV[2])
    out[#out + 1] = room
    out[#out + 1] = value
  end
end
if redis.call('SCARD', KEYS[1]) == 0 then
  out[1] = 1
  redis.call('DEL', KEYS[2])
  if owner ~= '' then
    redis.call('SREM', KEYS[4], ARGV[1])
    if redis.call('SCARD', KEYS[4]) == 0 then
      redis.call('SREM', KEYS[3], owner)
    end
  end
end
return out
