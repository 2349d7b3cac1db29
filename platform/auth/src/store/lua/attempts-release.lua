-- Gives one attempt back to each bucket that still counts one.
--
-- KEYS[1..n]  the buckets, <prefix>{auth:<appId>}:attempts:<key>
-- Returns     0
for _, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count > 0 then
    redis.call('DECR', key)
  end
end
return 0
