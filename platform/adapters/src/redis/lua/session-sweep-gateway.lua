-- Releases a batch of the sessions attached to a dead gateway: one batch of sweepGateway, which
-- reads a batch of ids from the gateway's set (SRANDMEMBER) and calls this again until it reports
-- done. Each batch is atomic and re-checks that the gateway is dead.
--
-- KEYS[1]  the gateway's sessions, <prefix>{session}:g:<gatewayId> (set of connectionIds)
-- KEYS[2]  the gateway's liveness, <prefix>{session}:alive:<gatewayId> (string)
-- KEYS[3]  the known gateways, <prefix>{session}:gateways (set)
-- KEYS[4.] the session of each id of ARGV[3.], <prefix>{session}:c:<connectionId> (hash), in order
-- ARGV[1]  gatewayId
-- ARGV[2]  resume window, ms (integer): each released session stays claimable (detached) this long;
--          0 deletes it
-- ARGV[3.] the connection ids of this batch, read from KEYS[1] by the caller
-- Returns  {status, connectionId, {field, value, ...}, ...}: status 1 done (the gateway is forgotten),
--          0 more to sweep, -1 the gateway is alive (nothing released)
if redis.call('EXISTS', KEYS[2]) == 1 then
  return {-1}
end
local window = tonumber(ARGV[2])
local out = {0}
for i = 3, #ARGV do
  local id = ARGV[i]
  local key = KEYS[i + 1]
  redis.call('SREM', KEYS[1], id)
  local state = redis.call('HMGET', key, 'g', 's')
  if state[1] == ARGV[1] and state[2] == 'a' then
    out[#out + 1] = id
    out[#out + 1] = redis.call('HGETALL', key)
    if window > 0 then
      redis.call('HSET', key, 's', 'd')
      redis.call('PEXPIRE', key, window)
    else
      redis.call('DEL', key)
    end
  end
end
if redis.call('SCARD', KEYS[1]) == 0 then
  out[1] = 1
  redis.call('SREM', KEYS[3], ARGV[1])
end
return out
