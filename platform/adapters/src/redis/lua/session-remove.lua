-- Ends a session now (a clean close).
--
-- KEYS[1]  the session, <prefix>session:c:<connectionId> (hash)
-- ARGV[1]  connectionId
-- ARGV[2]  remove only while attached to this gateway; '' for any state and gateway
-- ARGV[3]  prefix: the owning gateway's set <prefix>session:g:<g> is derived here (one Redis primary)
-- Returns  1 removed, 0 absent (or not attached to ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'g', 's')
if not state[1] then
  return 0
end
if ARGV[2] ~= '' and (state[1] ~= ARGV[2] or state[2] ~= 'a') then
  return 0
end
redis.call('DEL', KEYS[1])
if state[2] == 'a' then
  redis.call('SREM', ARGV[3] .. 'session:g:' .. state[1], ARGV[1])
end
return 1
