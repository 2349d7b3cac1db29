-- One batch of sweepGateway, index side: while the gateway is dead, returns up to ARGV[2] of the
-- connection ids indexed under it; the caller releases each (session-release.lua in the session's
-- own slot), drops them from the set and calls this again. Once the set is empty the gateway is
-- forgotten.
--
-- KEYS[1]  the gateway's sessions, <prefix>{session-index}:g:<gatewayId> (set of connectionIds)
-- KEYS[2]  the gateway's liveness, <prefix>{session-index}:alive:<gatewayId> (string)
-- KEYS[3]  the known gateways, <prefix>{session-index}:gateways (set)
-- ARGV[1]  gatewayId
-- ARGV[2]  batch size (integer > 0)
-- Returns  {status, connectionId, ...}: status 1 done (the gateway is forgotten), 0 a batch to
--          release, -1 the gateway is alive (nothing returned)
if redis.call('EXISTS', KEYS[2]) == 1 then
  return {-1}
end
local ids = redis.call('SRANDMEMBER', KEYS[1], tonumber(ARGV[2]))
if #ids == 0 then
  redis.call('SREM', KEYS[3], ARGV[1])
  return {1}
end
table.insert(ids, 1, 0)
return ids
