-- Claims a session for a resuming connection: checks app, client and secret, then that the session
-- is detached (its key still exists: within the window) or attached to a gateway whose heartbeat has
-- expired, and attaches it to the claiming gateway. Two claims of one session: the second sees it
-- attached to the (live) winner.
--
-- KEYS[1]  the session, <prefix>{session}:c:<connectionId> (hash)
-- KEYS[2]  the claiming gateway's sessions, <prefix>{session}:g:<gatewayId> (set)
-- KEYS[3]  the known gateways, <prefix>{session}:gateways (set)
-- KEYS[4]  the previous gateway's liveness, <prefix>{session}:alive:<ARGV[7]> (string)
-- KEYS[5]  the previous gateway's sessions, <prefix>{session}:g:<ARGV[7]> (set)
-- ARGV[1]  connectionId
-- ARGV[2]  appId
-- ARGV[3]  clientId
-- ARGV[4]  sha256 of the presented secret, hex (compared in constant time)
-- ARGV[5]  claiming gatewayId
-- ARGV[6]  sha256 of the next secret, hex, or '' to keep the secret
-- ARGV[7]  the gateway the caller read from the session before this call (KEYS[4] and KEYS[5] are
--          its keys), '' when it read no session
-- Returns  {previousGatewayId, field, value, ...} (the session's hash after the claim), or a refusal
--          (SESSION_CLAIM_CODES): -1 not found, -2 wrong app, -3 wrong client, -4 wrong secret,
--          -5 attached to a live gateway,
--          -6 the session moved to another gateway since the caller read it (read again, retry)
local function same(a, b)
  if type(a) ~= 'string' or #a ~= #b then
    return false
  end
  local diff = 0
  for i = 1, #a do
    diff = bit.bor(diff, bit.bxor(string.byte(a, i), string.byte(b, i)))
  end
  return diff == 0
end

local f = redis.call('HMGET', KEYS[1], 'a', 'c', 'h', 'g', 's')
if not f[1] then
  return -1
end
if f[4] ~= ARGV[7] then
  return -6
end
if f[1] ~= ARGV[2] then
  return -2
end
if f[2] ~= ARGV[3] then
  return -3
end
if not same(f[3], ARGV[4]) then
  return -4
end
local previous = f[4]
if f[5] == 'a' and redis.call('EXISTS', KEYS[4]) == 1 then
  return -5
end
redis.call('SREM', KEYS[5], ARGV[1])
redis.call('PERSIST', KEYS[1])
redis.call('HSET', KEYS[1], 'g', ARGV[5], 's', 'a')
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[1], 'h', ARGV[6])
end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[5])
local out = redis.call('HGETALL', KEYS[1])
table.insert(out, 1, previous)
return out
