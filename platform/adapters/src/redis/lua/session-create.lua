-- Stores a new session, attached to its gateway (after session-index-add.lua indexed it there).
--
-- KEYS[1]  the session, <prefix>{session:c:<connectionId>} (hash, see session-keys.ts)
-- ARGV[1]  appId
-- ARGV[2]  clientId
-- ARGV[3]  gatewayId
-- ARGV[4]  sha256 of the resume secret, hex
-- ARGV[5]  createdAt, ms
-- ARGV[6.] room, '1' subscribed / '0' joined, repeated
-- Returns  {1} created, {-1, gatewayId} the connection id is taken (by a session of that gateway)
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {-1, redis.call('HGET', KEYS[1], 'g') or ''}
end
redis.call('HSET', KEYS[1], 'a', ARGV[1], 'c', ARGV[2], 'g', ARGV[3], 'h', ARGV[4], 't', ARGV[5], 's', 'a')
for i = 6, #ARGV - 1, 2 do
  redis.call('HSET', KEYS[1], 'r:' .. ARGV[i], ARGV[i + 1])
end
return {1}
