-- Detaches a session whose socket closed: claimable for the resume window, then expired by Redis.
-- Only the gateway it is attached to can detach it.
--
-- KEYS[1]  the session, <prefix>{session}:c:<connectionId> (hash)
-- KEYS[2]  the gateway's sessions, <prefix>{session}:g:<gatewayId> (set)
-- ARGV[1]  connectionId
-- ARGV[2]  gatewayId
-- ARGV[3]  resume window, ms (integer); 0 removes the session at once
-- Returns  1 detached (or removed), 0 the session is gone, detached or attached to another gateway
local state = redis.call('HMGET', KEYS[1], 'g', 's')
if state[1] ~= ARGV[2] or state[2] ~= 'a' then
  return 0
end
redis.call('SREM', KEYS[2], ARGV[1])
local window = tonumber(ARGV[3])
if window > 0 then
  redis.call('HSET', KEYS[1], 's', 'd')
  redis.call('PEXPIRE', KEYS[1], window)
else
  redis.call('DEL', KEYS[1])
end
return 1
