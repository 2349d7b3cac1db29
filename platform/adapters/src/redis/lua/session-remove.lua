-- Ends a session now (a clean close). The caller then drops it from the set of the gateway returned.
--
-- KEYS[1]  the session, <prefix>{session:c:<connectionId>} (hash)
-- ARGV[1]  remove only while attached to this gateway; '' for any state and gateway
-- Returns  {1, gatewayId, state} removed ('a' attached, 'd' detached), {0} absent (or not attached
--          to ARGV[1])
local state = redis.call('HMGET', KEYS[1], 'g', 's')
if not state[1] then
  return {0}
end
if ARGV[1] ~= '' and (state[1] ~= ARGV[1] or state[2] ~= 'a') then
  return {0}
end
redis.call('DEL', KEYS[1])
return {1, state[1], state[2] or ''}
