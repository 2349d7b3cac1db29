-- The seqs a room's history holds, read atomically with the room's counter.
--
-- KEYS[1]  <prefix>{<appId>:<room>}:seq       the room's counter
-- KEYS[2]  <prefix>{<appId>:<room>}:history   ZSET, score = seq
-- Returns  {oldestSeq, latestSeq}; oldestSeq = latestSeq + 1 when history holds nothing

local latest = tonumber(redis.call('GET', KEYS[1]) or 0)
local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2]
if oldest then return {tonumber(oldest), latest} end
return {latest + 1, latest}
