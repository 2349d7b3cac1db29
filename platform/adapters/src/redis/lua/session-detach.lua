-- Detaches a session whose socket closed: claimable for the resume window, then expired by Redis.
-- Only the gateway it is attached to can detach it (the caller then drops it from that gateway's set).
--
-- KEYS[1]  the session, <prefix>{session:c:<connectionId>} (hash)
-- ARGV[1]  gatewayId
-- ARGV[2]  resume window, ms (integer); 0 removes the session at once
-- Returns  1 detached (or removed), 0 the session is gone, detached or attached to another gateway
local state = redis.call('HMGET', KEYS[1], 'g', 's')
if state[1] ~= ARGV[1] or state[2] ~= 'a' then
  return 0
end
local window = tonumber(ARGV[2])
if window > 0 then
  redis.call('HSET', KEYS[1], 's', 'd')
  redis.call('PEXPIRE', KEYS[1], window)
else
  redis.call('DEL', KEYS[1])
end
return 1
