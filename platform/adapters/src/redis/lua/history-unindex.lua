-- Removes a room that history-trim.lua found empty from the rooms index, unless an append
-- recorded itself after that trim (it then holds a message again and must stay indexed).
--
-- KEYS[1]  <prefix>{history-index}:rooms  (see history-index.lua)
-- KEYS[2]  <prefix>{history-index}:seqs
-- ARGV[1]  member, <appId>:<room>
-- ARGV[2]  the room's latest seq as history-trim.lua reported it with the room empty
-- Returns  1 removed, 0 kept because a newer append recorded itself (trim the room again)
-- An append after the trim found the room empty, so it recorded itself with a higher seq: either
-- before this call (kept here) or after it (it adds the room back).

local known = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or 0)
if known > tonumber(ARGV[2]) then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
