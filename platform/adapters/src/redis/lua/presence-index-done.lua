-- Ends a batch of presence-index-take.lua once its members were removed from their rooms: drops
-- each membership from the connection's "removing" hash while it holds the batch's token.
--
-- KEYS[1]  the connection's memberships being removed, <prefix>{presence-index}:removing:<appId>:<connectionId> (hash room → token)
-- ARGV[.]  room, token, repeated (the batch)
-- Returns  the number of memberships dropped
local dropped = 0
for i = 1, #ARGV - 1, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
    dropped = dropped + 1
  end
end
return dropped
