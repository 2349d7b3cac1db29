-- Reserves one attempt in every bucket, or in none (sign-in limits per account and per address).
--
-- KEYS[1..n]  the buckets, <prefix>{auth:<appId>}:attempts:<key> (string counter, expires with its window)
-- ARGV[1]     the window, ms (a bucket's first attempt starts it)
-- ARGV[2..]   the limit of each bucket, in KEYS order
-- Returns     0 reserved; > 0 refused (nothing changed): ms until the full bucket's window ends
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 1 then
      ttl = 1
    end
    return ttl
  end
end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('PEXPIRE', key, ARGV[1])
  end
end
return 0
