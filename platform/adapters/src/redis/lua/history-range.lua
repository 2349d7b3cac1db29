-- One step of a history query: resolves time bounds to seqs by binary search over ranks
-- (timestamps never decrease with seq), then reads messages in seq order, keeping those of the
-- wanted event, until it has enough or has examined its budget. Every input is an ARGV value,
-- compared or passed to Redis as data, never evaluated.
--
-- KEYS[1]  <prefix>{<appId>:<room>}:history   ZSET, score = seq, member = frame
-- ARGV[1]  'f' ascending seq, 'b' descending
-- ARGV[2]  lowest seq (inclusive)            ARGV[3]  highest seq (inclusive)
-- ARGV[4]  earliest timestamp (inclusive) or ''
-- ARGV[5]  latest timestamp (inclusive) or ''
-- ARGV[6]  event marker `,"event":<JSON event>,"data":`, or '' for every event; frames start
--          {"type":"message","id":..,"seq":..,"room":..,"event":.. and a JSON string never contains
--          `,"`, so the first `,"event":` of a frame is its own event field
-- ARGV[7]  frames wanted (> 0)               ARGV[8]  most messages to examine (> 0)
-- Returns  {done, last, frame...}: the matching frames in order; done = 1 when nothing in range
--          lies past what was examined; last = seq of the last message examined (0 when none)

local function timestamp_at(rank)
  local frame = redis.call('ZRANGE', KEYS[1], rank, rank)[1]
  return tonumber(string.match(string.sub(frame, -40), '"timestamp":(%d+)}$'))
end

-- The first rank whose timestamp is >= ts (the count when none).
local function first_rank_from(ts)
  local lo, hi = 0, redis.call('ZCARD', KEYS[1])
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if timestamp_at(mid) < ts then lo = mid + 1 else hi = mid end
  end
  return lo
end

local function seq_at(rank)
  return tonumber(redis.call('ZRANGE', KEYS[1], rank, rank, 'WITHSCORES')[2])
end

local low, high = tonumber(ARGV[2]), tonumber(ARGV[3])
if ARGV[4] ~= '' then
  local seq = seq_at(first_rank_from(tonumber(ARGV[4])))
  if not seq then return {1, 0} end
  low = math.max(low, seq)
end
if ARGV[5] ~= '' then
  local rank = first_rank_from(tonumber(ARGV[5]) + 1) - 1
  if rank < 0 then return {1, 0} end
  high = math.min(high, seq_at(rank))
end

if low > high then return {1, 0} end

local forwards = ARGV[1] == 'f'
local marker = ARGV[6]
local want, budget = tonumber(ARGV[7]), tonumber(ARGV[8])
local out = {0, 0}
local found, examined, last = 0, 0, 0
while found < want and examined < budget and low <= high do
  local chunk = budget - examined
  if marker == '' then chunk = math.min(chunk, want - found) else chunk = math.min(chunk, 256) end
  local batch
  if forwards then
    batch = redis.call('ZRANGEBYSCORE', KEYS[1], low, high, 'WITHSCORES', 'LIMIT', 0, chunk)
  else
    batch = redis.call('ZREVRANGEBYSCORE', KEYS[1], high, low, 'WITHSCORES', 'LIMIT', 0, chunk)
  end
  for i = 1, #batch, 2 do
    local frame = batch[i]
    examined = examined + 1
    last = tonumber(batch[i + 1])
    local keep = marker == ''
    if not keep then
      local at = string.find(frame, ',"event":', 1, true)
      keep = at ~= nil and string.sub(frame, at, at + #marker - 1) == marker
    end
    if keep then
      found = found + 1
      out[found + 2] = frame
      if found == want then break end
    end
  end
  if found == want then break end
  if forwards then low = last + 1 else high = last - 1 end
  if #batch < 2 * chunk or low > high then
    out[1] = 1
    break
  end
end
out[2] = last
return out
