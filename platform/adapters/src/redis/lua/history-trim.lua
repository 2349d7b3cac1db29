-- Removes a room's messages older than a cutoff, oldest first, at most ARGV[2] per call so a run
-- never blocks Redis for long. Timestamps never decrease with seq (history-append.lua), so the
-- expired messages are a prefix of the ZSET, found by binary search over ranks.
--
-- KEYS[1]  <prefix>{<appId>:<room>}:history   ZSET, score = seq, member = frame
-- KEYS[2]  <prefix>{<appId>:<room>}:seq       the room's counter (read only)
-- ARGV[1]  cutoff, ms: messages with timestamp < cutoff are removed
-- ARGV[2]  most messages removed by this call (> 0)
-- Returns  {removed, more, oldestTimestamp, latestSeq}: more = 1 when expired messages remain (call
--          again); oldestTimestamp of what remains, -1 when the room is empty; latestSeq the counter

local function timestamp_at(rank)
  local frame = redis.call('ZRANGE', KEYS[1], rank, rank)[1]
  return tonumber(string.match(string.sub(frame, -40), '"timestamp":(%d+)}$'))
end

local cutoff = tonumber(ARGV[1])
local lo, hi = 0, redis.call('ZCARD', KEYS[1])
while lo < hi do
  local mid = math.floor((lo + hi) / 2)
  if timestamp_at(mid) < cutoff then lo = mid + 1 else hi = mid end
end

local removed = math.min(lo, tonumber(ARGV[2]))
if removed > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, removed - 1)
end
local more = 0
if lo > removed then more = 1 end
local oldest = -1
if redis.call('ZCARD', KEYS[1]) > 0 then oldest = timestamp_at(0) end
local latest = tonumber(redis.call('GET', KEYS[2]) or 0)
return {removed, more, oldest, latest}
