-- Creates a user unless the app already has one with this email (or this id).
--
-- KEYS[1]  the email index entry, <prefix>{auth:<appId>}:email:<normalized email> (string → userId)
-- KEYS[2]  the user, <prefix>{auth:<appId>}:user:<userId> (string, JSON)
-- KEYS[3]  the app's users in creation order, <prefix>{auth:<appId>}:users (sorted set, score createdAt)
-- ARGV[1]  userId
-- ARGV[2]  the user as JSON
-- ARGV[3]  createdAt, ms
-- Returns  1 created, 0 the email (or id) is taken (nothing changed)
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1
