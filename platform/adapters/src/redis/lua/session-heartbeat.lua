-- One heartbeat of a gateway: one key with a PX expiry, whatever the number of its sessions.
--
-- KEYS[1]  the gateway's liveness, <prefix>{session-index}:alive:<gatewayId> (string, PX = ttl)
-- KEYS[2]  the known gateways, <prefix>{session-index}:gateways (set)
-- ARGV[1]  gatewayId
-- ARGV[2]  ttl, ms (integer > 0)
-- Returns  1 when the gateway was alive before this beat, 0 when not (its first beat, or a lapse
--          after which its sessions may have been swept)
local alive = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
if alive == 0 then
  redis.call('SADD', KEYS[2], ARGV[1])
end
return alive
