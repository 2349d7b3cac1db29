-- Removes up to ARGV[2] memberships of the connections of one gateway: one batch of removeGateway,
-- which calls it again until it reports done. Each batch is atomic; the whole removal is not.
--
-- KEYS[1]  the gateway's connections, <prefix>presence:gw:<gatewayId> (set of <appId>:<connectionId>)
-- KEYS[2]  the gateways holding memberships, <prefix>presence:gateways (set)
-- ARGV[1]  gatewayId
-- ARGV[2]  batch size (memberships)
-- ARGV[3]  prefix: each connection's keys <prefix>presence:conn|owner:<appId>:<connectionId> and the
--          room hashes <prefix>{<appId>:<room>}:presence are derived here (one Redis primary)
-- Returns  {done, appId, room, connectionId, value, ...}: done 1 when the gateway holds no
--          connection any more; value = '<enteredAt>|<json>'
local budget = tonumber(ARGV[2])
local out = {0}
while budget > 0 do
  local ref = redis.call('SRANDMEMBER', KEYS[1])
  if not ref then
    break
  end
  budget = budget - 1
  local sep = string.find(ref, ':', 1, true)
  local ownerKey = ARGV[3] .. 'presence:owner:' .. ref
  if not sep or redis.call('GET', ownerKey) ~= ARGV[1] then
    -- not this gateway's connection (any more): drop the reference only
    redis.call('SREM', KEYS[1], ref)
  else
    local appId = string.sub(ref, 1, sep - 1)
    local connectionId = string.sub(ref, sep + 1)
    local roomsKey = ARGV[3] .. 'presence:conn:' .. ref
    local rooms = redis.call('SPOP', roomsKey, budget + 1)
    budget = budget + 1 - #rooms
    for _, room in ipairs(rooms) do
      local members = ARGV[3] .. '{' .. appId .. ':' .. room .. '}:presence'
      local value = redis.call('HGET', members, connectionId)
      if value then
        redis.call('HDEL', members, connectionId)
        out[#out + 1] = appId
        out[#out + 1] = room
        out[#out + 1] = connectionId
        out[#out + 1] = value
      end
    end
    if redis.call('SCARD', roomsKey) == 0 then
      redis.call('DEL', ownerKey)
      redis.call('SREM', KEYS[1], ref)
    end
  end
end
if redis.call('SCARD', KEYS[1]) == 0 then
  out[1] = 1
  redis.call('SREM', KEYS[2], ARGV[1])
end
return out
