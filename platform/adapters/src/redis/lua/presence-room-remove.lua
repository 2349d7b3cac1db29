-- Removes a connection's member from a room's hash, in the room's own slot: the first step of a
-- leave (then presence-index-leave.lua), or the member step of a removal (after
-- presence-index-take.lua took the membership out of the index). Whoever deletes the member
-- returns it: a membership is returned by at most one leave or removal.
--
-- KEYS[1]  the room's members, <prefix>{<appId>:<room>}:presence (hash)
-- ARGV[1]  connectionId
-- ARGV[2]  the token the member must carry ('' for any: a leave)
-- Returns  {1, value} removed ('<enteredAt>|<token>|<json>'), {0} absent or carrying another token
--          (entered again since the index entry was taken)
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if not existing then
  return {0}
end
if ARGV[2] ~= '' and string.match(existing, '^%-?%d+|(%d+)|') ~= ARGV[2] then
  return {0}
end
redis.call('HDEL', KEYS[1], ARGV[1])
return {1, existing}
