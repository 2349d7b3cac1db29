-- Records a room with history in the rooms index that history-trim runs walk. Runs after
-- history-append.lua asked for it (reindex = 1), as its own call: the index lives in its own slot.
--
-- KEYS[1]  <prefix>{history-index}:rooms  ZSET, score = when the room's oldest message expires (ms),
--                                         member = <appId>:<room> (an appId never contains ':')
-- KEYS[2]  <prefix>{history-index}:seqs   HASH, member -> the highest seq an append recorded here
-- ARGV[1]  member
-- ARGV[2]  expiry of the room's oldest message: its timestamp + maxAgeMs
-- ARGV[3]  seq of the append
-- Returns  1
-- ZADD LT adds a missing member and only ever lowers a score, so recording in any order keeps the
-- earliest expiry; the seq lets history-unindex.lua see an append that raced with a trim.

redis.call('ZADD', KEYS[1], 'LT', ARGV[2], ARGV[1])
local known = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or 0)
if tonumber(ARGV[3]) > known then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
end
return 1
