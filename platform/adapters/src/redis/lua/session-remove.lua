-- Ends a session now (a clean close).
--
-- KEYS[1]  the session, <prefix>{session}:c:<connectionId> (hash)
-- KEYS[2]  the sessions of the gateway the caller read from the session, <prefix>{session}:g:<ARGV[3]> (set)
-- ARGV[1]  connectionId
-- ARGV[2]  remove only while attached to this gateway; '' for any state and gateway
-- ARGV[3]  the gateway the caller read from the session before this call ('' when absent)
-- Returns  1 removed, 0 absent (or not attached to ARGV[2]), -1 the session moved to another gateway
--          since the caller read it (read again, retry)
local state = redis.call('HMGET', KEYS[1], 'g', 's')
if not state[1] then
  return 0
end
if ARGV[2] ~= '' and (state[1] ~= ARGV[2] or state[2] ~= 'a') then
  return 0
end
if state[1] ~= ARGV[3] then
  return -1
end
redis.call('DEL', KEYS[1])
if state[2] == 'a' then
  redis.call('SREM', KEYS[2], ARGV[1])
end
return 1
