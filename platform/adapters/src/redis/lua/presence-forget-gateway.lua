-- Forgets a gateway that holds no membership any more (the end of removeGateway).
--
-- KEYS[1]  the gateway's connections, <prefix>{presence-index}:gw:<gatewayId> (set)
-- KEYS[2]  the gateways holding memberships, <prefix>{presence-index}:gateways (set)
-- ARGV[1]  gatewayId
-- Returns  1 forgotten, 0 the gateway holds connections (again): the caller goes on removing
if redis.call('SCARD', KEYS[1]) > 0 then
  return 0
end
redis.call('SREM', KEYS[2], ARGV[1])
return 1
