-- Indexes a session under the gateway it is being attached to (create, claim), before the session
-- itself is written: a call cut in between leaves a reference to a session that is not attached
-- there, which every reader of the index skips (the sweep releases only sessions attached to the
-- swept gateway), never an attached session that no sweep reaches.
--
-- KEYS[1]  the gateway's sessions, <prefix>{session-index}:g:<gatewayId> (set of connectionIds)
-- KEYS[2]  the known gateways, <prefix>{session-index}:gateways (set)
-- ARGV[1]  connectionId
-- ARGV[2]  gatewayId
-- Returns  1
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return 1
