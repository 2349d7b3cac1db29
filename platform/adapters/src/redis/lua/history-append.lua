-- Assigns room messages of one room their seqs and stores them in the room's history, in one atomic
-- step, in the order given (the gateway's publish order): each message is appended, or, when its
-- idempotency key was seen within its window (also earlier in this same call), appends nothing and
-- returns the original. One call carries 1..n messages (the messages of one room published in the
-- same event-loop turn of one gateway).
--
-- KEYS[1]    <prefix>{<appId>:<room>}:seq       the room's counter
-- KEYS[2]    <prefix>{<appId>:<room>}:history   ZSET, score = seq, member = the message frame
-- KEYS[3]    <prefix>{<appId>:<room>}:indexed   marker: present while the room's entry in the rooms
--                                               index was refreshed recently
-- KEYS[3+i]  <prefix>{<appId>:<room>}:idem:<sha256(idempotency key)> of message i, `id seq timestamp`;
--            only read and written when its window > 0
-- ARGV[1]    maxMessages (>= 1)
-- ARGV[2]    at most this many messages over maxMessages are removed per append (> 0)
-- ARGV[3]    reindex interval in ms (> 0)
-- Message i (i = 1..#KEYS-3), five ARGV from a = 5i - 1:
--   ARGV[a]    the frame before its seq:                {"type":"message","id":<id>,"seq":
--   ARGV[a+1]  the frame between seq and timestamp:     ,"room":...,"clientId":<clientId>,"timestamp":
--   ARGV[a+2]  timestamp, decimal ms; raised to the newest stored message's when older, so
--              timestamps never decrease with seq (history-range.lua and history-trim.lua
--              binary-search on that)
--   ARGV[a+3]  idempotency window in ms, 0 without a key
--   ARGV[a+4]  message id (for the idempotency record)
-- Returns    one reply per message, in order:
--            {1, seq, timestamp, reindex, oldestTimestamp}    appended; reindex = 1 (on the call's
--              first append only) asks the caller to record the room in the rooms index
--              (history-index.lua) with its oldest timestamp: when the room was empty before, or no
--              append did so within the reindex interval
--            {-1, seq, timestamp, id, frame}   a duplicate: the original; `frame` is missing when
--              retention has removed the original already
-- Frames are members; they are never parsed, except for their trailing `"timestamp":<digits>}`.

local function timestamp_of(frame)
  return string.match(string.sub(frame, -40), '"timestamp":(%d+)}$')
end

local max_messages, trim_batch = tonumber(ARGV[1]), tonumber(ARGV[2])
local newest = nil -- the newest stored timestamp; false: the room was empty; nil: not read yet
local marked = false -- the indexed marker was handled by an earlier append of this call
local replies = {}

for i = 1, #KEYS - 3 do
  local a = 5 * i - 1
  local window = tonumber(ARGV[a + 3])
  local record = window > 0 and redis.call('GET', KEYS[3 + i])
  if record then
    local id, seq, ts = string.match(record, '^(.*) (%d+) (%d+)$')
    local original = redis.call('ZRANGEBYSCORE', KEYS[2], seq, seq)
    replies[i] = {-1, tonumber(seq), ts, id, original[1]}
  else
    -- Read first: a key of the wrong type fails the script here, before the counter moved.
    if newest == nil then
      local frame = redis.call('ZRANGE', KEYS[2], -1, -1)[1]
      newest = frame and timestamp_of(frame) or false
    end
    local ts = ARGV[a + 2]
    if newest and tonumber(newest) > tonumber(ts) then ts = newest end
    local seq = redis.call('INCR', KEYS[1])
    redis.call('ZADD', KEYS[2], seq, ARGV[a] .. seq .. ARGV[a + 1] .. ts .. '}')

    local excess = redis.call('ZCARD', KEYS[2]) - max_messages
    if excess > 0 then
      redis.call('ZREMRANGEBYRANK', KEYS[2], 0, math.min(excess, trim_batch) - 1)
    end
    if window > 0 then
      redis.call('SET', KEYS[3 + i], ARGV[a + 4] .. ' ' .. seq .. ' ' .. ts, 'PX', window)
    end

    local reindex = 0
    if not marked then
      marked = true
      if newest == false then
        redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])
        reindex = 1
      elseif redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[3]) then
        reindex = 1
      end
    end
    local oldest_ts = ts
    if reindex == 1 then
      oldest_ts = timestamp_of(redis.call('ZRANGE', KEYS[2], 0, 0)[1])
    end
    newest = ts
    replies[i] = {1, seq, ts, reindex, oldest_ts}
  end
end
return replies
