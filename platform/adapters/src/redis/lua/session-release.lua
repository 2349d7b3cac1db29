-- Releases one session of a dead gateway (a batch of session-sweep-take.lua): detached for the
-- resume window (claimable) or deleted, only while it is still attached to that gateway.
--
-- KEYS[1]  the session, <prefix>{session:c:<connectionId>} (hash)
-- ARGV[1]  gatewayId (found dead by session-sweep-take.lua)
-- ARGV[2]  resume window, ms (integer): the released session stays claimable this long; 0 deletes it
-- Returns  {field, value, ...} the session's hash as it was attached, or {} nothing released
local state = redis.call('HMGET', KEYS[1], 'g', 's')
if state[1] ~= ARGV[1] or state[2] ~= 'a' then
  return {}
end
local out = redis.call('HGETALL', KEYS[1])
local window = tonumber(ARGV[2])
if window > 0 then
  redis.call('HSET', KEYS[1], 's', 'd')
  redis.call('PEXPIRE', KEYS[1], window)
else
  redis.call('DEL', KEYS[1])
end
return out
