-- Records a joined room, a subscription change or a left room of a session, only while the session
-- is attached to the calling gateway.
--
-- KEYS[1]  the session, <prefix>{session:c:<connectionId>} (hash)
-- ARGV[1]  gatewayId
-- ARGV[2]  room
-- ARGV[3]  '1' subscribed, '0' joined, '' left
-- Returns  1 recorded, 0 the session is gone, detached or attached to another gateway
local state = redis.call('HMGET', KEYS[1], 'g', 's')
if state[1] ~= ARGV[1] or state[2] ~= 'a' then
  return 0
end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], 'r:' .. ARGV[2])
else
  redis.call('HSET', KEYS[1], 'r:' .. ARGV[2], ARGV[3])
end
return 1
