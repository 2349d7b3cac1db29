-- Assigns the next sequence number of a room: 1, 2, 3, ... with no gap and no repeat.
--
-- KEYS[1]  the room's counter, <prefix>{<appId>:<room>}:seq (the hash tag keeps every key of one
--          room in one cluster slot, so the history keys can join this script later)
-- ARGV     none yet; the history append will pass the message here and store it with its seq in
--          the same atomic step
-- Returns  the assigned seq (integer >= 1)
return redis.call('INCR', KEYS[1])
