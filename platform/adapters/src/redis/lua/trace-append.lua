-- Appends a batch of trace events to the cluster's capped trace stream in one call (the gateway
-- buffers its events and flushes every few tens of ms: one round trip per batch, not per event).
--
-- KEYS[1]  the stream, <prefix>traces
-- ARGV[1]  capacity: the stream is trimmed to about this many entries (XADD MAXLEN ~)
-- ARGV[2]  ttl in ms: the stream expires this long after the last append (a cluster that stopped
--          leaves nothing behind)
-- ARGV[3..] one event each, as JSON (stored in field 'e' of one entry per event, in order)
-- Returns  the number of entries appended
for i = 3, #ARGV do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return #ARGV - 2
