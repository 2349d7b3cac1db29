-- Revokes a session (sign out, admin revoke).
--
-- KEYS[1]  the session, <prefix>{auth:<appId>}:session:<sessionId> (hash, see session-rotate.lua)
-- Returns  1 it was live and is now revoked, 0 unknown or revoked before
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
if redis.call('HGET', KEYS[1], 'revoked') == '1' then
  return 0
end
redis.call('HSET', KEYS[1], 'revoked', '1')
return 1
