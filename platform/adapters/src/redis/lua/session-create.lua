-- Stores a new session, attached to its gateway.
--
-- KEYS[1]  the session, <prefix>{session}:c:<connectionId> (hash, see session-keys.ts)
-- KEYS[2]  the gateway's sessions, <prefix>{session}:g:<gatewayId> (set of connectionIds)
-- KEYS[3]  the known gateways, <prefix>{session}:gateways (set)
-- ARGV[1]  connectionId
-- ARGV[2]  appId
-- ARGV[3]  clientId
-- ARGV[4]  gatewayId
-- ARGV[5]  sha256 of the resume secret, hex
-- ARGV[6]  createdAt, ms
-- ARGV[7.] room, '1' subscribed / '0' joined, repeated
-- Returns  1 created, -1 the connection id is taken
if redis.call('EXISTS', KEYS[1]) == 1 then
  return -1
end
redis.call('HSET', KEYS[1], 'a', ARGV[2], 'c', ARGV[3], 'g', ARGV[4], 'h', ARGV[5], 't', ARGV[6], 's', 'a')
for i = 7, #ARGV - 1, 2 do
  redis.call('HSET', KEYS[1], 'r:' .. ARGV[i], ARGV[i + 1])
end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[4])
return 1
