#!lua
--[[
The one append primitive (ADR 0001): check the case's expected version and the
chain link, drop a retried append, number the partition's entries without gaps,
write the partition log and the per-case index, move the case's head. Every check
runs before the first write, so a refused append writes nothing; a script runs
atomically, so an accepted one is written whole.

KEYS: 1 log, 2 number, 3 heads, 4 eids, 5 cmds, 6 case index
ARGV: 1 case id, 2 expected version, 3 command id ("" for none), 4 event count,
      then per event: event id, prev, hash, canonical JSON
Reply: {"ok", entry ids...} | {"dup", entry ids...} | {"dupcmd", entry ids...}
       | {"conflict", actual version, actual head hash}
]]
local case_id = ARGV[1]
local expected = tonumber(ARGV[2])
local command_id = ARGV[3]
local count = tonumber(ARGV[4])

if command_id ~= "" then
  local recorded = redis.call("HGET", KEYS[5], command_id)
  if recorded then
    local reply = {"dupcmd"}
    for id in string.gmatch(recorded, "%S+") do reply[#reply + 1] = id end
    return reply
  end
end

-- A retried append: every event id already recorded -> the original positions.
local found = {}
for i = 1, count do
  local at = redis.call("HGET", KEYS[4], ARGV[4 + (i - 1) * 4 + 1])
  if at then found[#found + 1] = at end
end
if #found == count then
  local reply = {"dup"}
  for i = 1, #found do reply[#reply + 1] = found[i] end
  return reply
elseif #found > 0 then
  return redis.error_reply("LIAISON partial duplicate: some event ids of this append are already recorded")
end

local version, head = 0, "0000000000000000000000000000000000000000000000000000000000000000"
local stored = redis.call("HGET", KEYS[3], case_id)
if stored then
  local v, h = string.match(stored, "^(%d+) (%x+)$")
  version, head = tonumber(v), h
end
if version ~= expected then
  return {"conflict", tostring(version), head}
end

-- The chain may not fork: the first event links to the head, each next to the one before.
local prev = head
for i = 1, count do
  local base = 4 + (i - 1) * 4
  if ARGV[base + 2] ~= prev then
    return {"conflict", tostring(version), head}
  end
  prev = ARGV[base + 3]
end

local first = redis.call("INCRBY", KEYS[2], count) - count
local reply = {"ok"}
local ids = {}
for i = 1, count do
  local base = 4 + (i - 1) * 4
  local id = redis.call("XADD", KEYS[1], "*",
    "n", tostring(first + i), "prev", ARGV[base + 2], "hash", ARGV[base + 3], "e", ARGV[base + 4])
  redis.call("RPUSH", KEYS[6], id)
  redis.call("HSET", KEYS[4], ARGV[base + 1], id)
  reply[#reply + 1] = id
  ids[#ids + 1] = id
end
redis.call("HSET", KEYS[3], case_id, tostring(expected + count) .. " " .. prev)
if command_id ~= "" then
  redis.call("HSET", KEYS[5], command_id, table.concat(ids, " "))
end
return reply
