-- Replaces a user's record if it is still the one the caller read (compare-and-set): the atomic
-- check-and-set changes of one user (a recovery code used once, the TOTP replay guard).
--
-- KEYS[1]  the user, <prefix>{auth:<appId>}:user:<userId> (string, JSON)
-- ARGV[1]  the JSON the caller read
-- ARGV[2]  the JSON to store instead
-- Returns  1 replaced, 0 changed since it was read (nothing changed), -1 no such user
local current = redis.call('GET', KEYS[1])
if not current then
  return -1
end
if current ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
