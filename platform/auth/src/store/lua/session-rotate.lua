-- Rotates a session's refresh token, or detects the reuse of an earlier one and revokes the family.
--
-- KEYS[1]  the session, <prefix>{auth:<appId>}:session:<sessionId> (hash: userId, hash, gen,
--          revoked '0'|'1', createdAt, expiresAt, prev = space-separated hashes of earlier generations)
-- ARGV[1]  the presented token's generation
-- ARGV[2]  sha256 of the presented token's secret
-- ARGV[3]  sha256 of the next token's secret
-- ARGV[4]  now, ms
-- ARGV[5]  the session's next expiresAt, ms
-- ARGV[6]  how long the key is kept past expiresAt, ms
-- ARGV[7]  how many earlier generations to remember
-- Returns  {1} rotated, {2} reused (the family is now revoked), {-1} unknown, {-2} revoked before,
--          {-3} expired
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1}
end
local s = redis.call('HMGET', KEYS[1], 'hash', 'gen', 'revoked', 'expiresAt', 'prev')
if s[3] == '1' then
  return {-2}
end
if tonumber(s[4]) <= tonumber(ARGV[4]) then
  return {-3}
end
local gen = tonumber(s[2])
local presented = tonumber(ARGV[1])
if presented == gen and s[1] == ARGV[2] then
  local prev = {}
  for h in string.gmatch(s[5] or '', '%S+') do
    prev[#prev + 1] = h
  end
  prev[#prev + 1] = s[1]
  while #prev > tonumber(ARGV[7]) do
    table.remove(prev, 1)
  end
  redis.call('HSET', KEYS[1], 'hash', ARGV[3], 'gen', gen + 1, 'expiresAt', ARGV[5], 'prev', table.concat(prev, ' '))
  redis.call('PEXPIREAT', KEYS[1], tonumber(ARGV[5]) + tonumber(ARGV[6]))
  return {1}
end
if presented < gen then
  for h in string.gmatch(s[5] or '', '%S+') do
    if h == ARGV[2] then
      redis.call('HSET', KEYS[1], 'revoked', '1')
      return {2}
    end
  end
end
return {-1}
