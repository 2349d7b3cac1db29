-- Removes up to ARGV[4] memberships of one connection: one batch of removeConnection, which calls
-- it again until it reports done. Each batch is atomic; the whole removal is not.
--
-- KEYS[1]  the connection's rooms, <prefix>presence:conn:<appId>:<connectionId> (set)
-- KEYS[2]  the connection's gateway, <prefix>presence:owner:<appId>:<connectionId> (string)
-- KEYS[3]  the gateways holding memberships, <prefix>presence:gateways (set)
-- ARGV[1]  appId
-- ARGV[2]  connectionId
-- ARGV[3]  remove only while the connection belongs to this gateway; '' for any gateway
-- ARGV[4]  batch size (memberships)
-- ARGV[5]  prefix: room hashes <prefix>{<appId>:<room>}:presence and the gateway's set are derived
--          here from the connection's rooms (one Redis primary)
-- Returns  {done, room, value, room, value, ...}: done 1 when the connection has no membership left
--          or belongs to another gateway than ARGV[3]; value = '<enteredAt>|<json>'
local owner = redis.call('GET', KEYS[2])
if ARGV[3] ~= '' and owner ~= ARGV[3] then
  return {1}
end
local out = {0}
local rooms = redis.call('SPOP', KEYS[1], tonumber(ARGV[4]))
for _, room in ipairs(rooms) do
  local members = ARGV[5] .. '{' .. ARGV[1] .. ':' .. room .. '}:presence'
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
  if owner then
    local gateway = ARGV[5] .. 'presence:gw:' .. owner
    redis.call('SREM', gateway, ARGV[1] .. ':' .. ARGV[2])
    if redis.call('SCARD', gateway) == 0 then
      redis.call('SREM', KEYS[3], owner)
    end
  end
end
return out
