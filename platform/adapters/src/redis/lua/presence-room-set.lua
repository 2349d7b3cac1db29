-- The member half of an enter or update (after presence-index-enter.lua): writes the connection's
-- member into the room's hash, in the room's own slot. Re-entering is an update: enteredAt is kept.
-- The token is replaced by the one the index holds now, so a removal that took an older token out
-- of the index (presence-room-remove.lua with that token) leaves this member alone.
--
-- KEYS[1]  the room's members, <prefix>{<appId>:<room>}:presence (hash connectionId → value)
-- ARGV[1]  connectionId
-- ARGV[2]  '1': update only (change nothing when absent); '0': enter or update
-- ARGV[3]  now, ms (integer): enteredAt of a new member
-- ARGV[4]  the membership's token (from presence-index-enter.lua)
-- ARGV[5]  the rest of the value, json {c: clientId, d: data, u: updatedAt}
-- Returns  {1, value} entered, {2, value} updated, {0} update only and absent;
--          value = '<enteredAt>|<token>|<json>'
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if not existing and ARGV[2] == '1' then
  return {0}
end
local action = 1
local entered = ARGV[3]
if existing then
  action = 2
  entered = string.match(existing, '^(%-?%d+)|') or ARGV[3]
end
local value = entered .. '|' .. ARGV[4] .. '|' .. ARGV[5]
redis.call('HSET', KEYS[1], ARGV[1], value)
return {action, value}
