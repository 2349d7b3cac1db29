-- Assigns a room message its seq and stores it in the room's history, in one atomic step; or, when
-- the idempotency key was seen within its window, appends nothing and returns the original.
--
-- KEYS[1]  <prefix>{<appId>:<room>}:seq       the room's counter
-- KEYS[2]  <prefix>{<appId>:<room>}:history   ZSET, score = seq, member = the message frame
-- KEYS[3]  <prefix>{<appId>:<room>}:indexed   marker: present while the room's entry in the rooms
--                                             index was refreshed recently
-- KEYS[4]  <prefix>{<appId>:<room>}:idem:<sha256(idempotency key)>, `id seq timestamp`; only read
--          and written when ARGV[6] > 0
-- ARGV[1]  the frame before its seq:                {"type":"message","id":<id>,"seq":
-- ARGV[2]  the frame between seq and timestamp:     ,"room":...,"clientId":<clientId>,"timestamp":
-- ARGV[3]  timestamp, decimal ms; raised to the newest stored message's when older, so timestamps
--          never decrease with seq (history-range.lua and history-trim.lua binary-search on that)
-- ARGV[4]  maxMessages (>= 1)
-- ARGV[5]  at most this many messages over maxMessages are removed per call (> 0)
-- ARGV[6]  idempotency window in ms, 0 without a key
-- ARGV[7]  message id (for the idempotency record)
-- ARGV[8]  reindex interval in ms (> 0)
-- Returns  {1, seq, timestamp, reindex, oldestTimestamp}    appended; reindex = 1 asks the caller to
--            record the room in the rooms index (history-index.lua) with its oldest timestamp: when
--            the room was empty before, or no append did so within the reindex interval
--          {-1, seq, timestamp, id, frame}   a duplicate: the original; `frame` is missing when
--            retention has removed the original already
-- The frame is the member; it is never parsed, except for its trailing `"timestamp":<digits>}`.

local function timestamp_of(frame)
  return string.match(string.sub(frame, -40), '"timestamp":(%d+)}$')
end

local window = tonumber(ARGV[6])
if window > 0 then
  local record = redis.call('GET', KEYS[4])
  if record then
    local id, seq, ts = string.match(record, '^(.*) (%d+) (%d+)$')
    local original = redis.call('ZRANGEBYSCORE', KEYS[2], seq, seq)
    return {-1, tonumber(seq), ts, id, original[1]}
  end
end

-- Reads first: a key of the wrong type fails the script here, before the counter moved.
local ts = ARGV[3]
local newest = redis.call('ZRANGE', KEYS[2], -1, -1)[1]
if newest then
  local newest_ts = timestamp_of(newest)
  if tonumber(newest_ts) > tonumber(ts) then ts = newest_ts end
end
local seq = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], seq, ARGV[1] .. seq .. ARGV[2] .. ts .. '}')

local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if excess > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, math.min(excess, tonumber(ARGV[5])) - 1)
end

if window > 0 then
  redis.call('SET', KEYS[4], ARGV[7] .. ' ' .. seq .. ' ' .. ts, 'PX', window)
end

local reindex = 0
if not newest then
  redis.call('SET', KEYS[3], '1', 'PX', ARGV[8])
  reindex = 1
elseif redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[8]) then
  reindex = 1
end
local oldest_ts = ts
if reindex == 1 then
  oldest_ts = timestamp_of(redis.call('ZRANGE', KEYS[2], 0, 0)[1])
end
return {1, seq, ts, reindex, oldest_ts}
