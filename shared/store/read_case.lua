#!lua flags=no-writes
--[[
Read one case's events in version order, in one round trip.
KEYS: 1 log, 2 case index.  ARGV: 1 first index (0-based, i.e. from version index+1).
Reply: flat list of {entry id, {field, value, ...}} pairs, as XRANGE gives them.
]]
local ids = redis.call("LRANGE", KEYS[2], tonumber(ARGV[1]), -1)
local reply = {}
for i = 1, #ids do
  local entries = redis.call("XRANGE", KEYS[1], ids[i], ids[i])
  if entries[1] then reply[#reply + 1] = entries[1] end
end
return reply
