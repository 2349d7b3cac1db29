-- Claims a session for a resuming connection: checks app, client and secret, then, for a claim that
-- keeps the secret (ARGV[5] = ''), that the session is detached (its key still exists: within the
-- window) or attached to a gateway whose heartbeat has expired; a claim that rotates the secret may
-- also take it over from a live gateway (takeover). It attaches the session to the claiming gateway.
-- Two claims presenting one secret: the second finds it rotated (wrong secret) or, when the first kept
-- it, attached to the (live) winner.
--
-- Runs after session-index-add.lua indexed the session under the claiming gateway; the caller then
-- drops it from the previous gateway's set (or, refused, from the claimer's when it is not attached
-- there). The previous gateway's liveness lives in another slot: the caller reads it just before
-- (a gateway that dies in between makes the claim refused as attached; the client tries again).
--
-- KEYS[1]  the session, <prefix>{session:c:<connectionId>} (hash)
-- ARGV[1]  appId
-- ARGV[2]  clientId
-- ARGV[3]  sha256 of the presented secret, hex (compared in constant time)
-- ARGV[4]  claiming gatewayId
-- ARGV[5]  sha256 of the next secret, hex, or '' to keep the secret
-- ARGV[6]  the gateway the caller read from the session before this call ('' when it read no session)
-- ARGV[7]  '1' when the caller found ARGV[6]'s heartbeat live, '0' when not (or did not look: ARGV[5] set)
-- Returns  {previousGatewayId, previousState ('a' attached, 'd' detached), field, value, ...} (the
--          session's hash after the claim), or a refusal
--          {code, gatewayId the session is attached to now or ''} with code (SESSION_CLAIM_CODES):
--          -1 not found, -2 wrong app, -3 wrong client, -4 wrong secret, -5 attached to a live gateway,
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
  return {-1, ''}
end
local attached = ''
if f[5] == 'a' then
  attached = f[4]
end
if f[4] ~= ARGV[6] then
  return {-6, attached}
end
if f[1] ~= ARGV[1] then
  return {-2, attached}
end
if f[2] ~= ARGV[2] then
  return {-3, attached}
end
if not same(f[3], ARGV[3]) then
  return {-4, attached}
end
local previous = f[4]
local previousState = 'd'
if f[5] == 'a' then
  previousState = 'a'
end
if f[5] == 'a' and ARGV[5] == '' and ARGV[7] == '1' then
  return {-5, attached}
end
redis.call('PERSIST', KEYS[1])
redis.call('HSET', KEYS[1], 'g', ARGV[4], 's', 'a')
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[1], 'h', ARGV[5])
end
local out = redis.call('HGETALL', KEYS[1])
table.insert(out, 1, previousState)
table.insert(out, 1, previous)
return out
