"""The server-side script ``liaison import`` writes a partition's entries with (a chunk per call).

It writes what the append script would have written for the same events — the log entry at
its original stream id and number, the case index, the event id index, the case's head — and,
like the append script, checks everything before its first write, so a refused chunk writes
nothing: the numbering goes on from the partition's counter, stream ids rise, each event is
its case's next version and links to the case's head, and no event id is recorded twice.
The chain hashes themselves were recomputed by the importer (Redis Lua has no SHA-256).

KEYS: 1 log, 2 number, 3 heads, 4 eids, then the case index of each entry
ARGV: per entry: stream id, number, prev, hash, event JSON, case id, case version, event id
Reply: the partition's counter after the chunk.
"""

IMPORT_CHUNK = """#!lua
local GENESIS = string.rep("0", 64)
local FIELDS = 8
local function refuse(what) return redis.error_reply("LIAISON import refused: " .. what) end
local function id_of(text)
  local ms, seq = string.match(text, "^(%d+)-(%d+)$")
  if not ms then return nil end
  return {tonumber(ms), tonumber(seq)}
end
local function after(a, b) return a[1] > b[1] or (a[1] == b[1] and a[2] > b[2]) end

local counter = tonumber(redis.call("GET", KEYS[2]) or "0")
local last = redis.call("XREVRANGE", KEYS[1], "+", "-", "COUNT", 1)
local previous = last[1] and id_of(last[1][1]) or {0, 0}
local heads, seen = {}, {}
local count = #ARGV / FIELDS
for i = 1, count do
  local base = (i - 1) * FIELDS
  local id, n, prev, hash = ARGV[base + 1], tonumber(ARGV[base + 2]), ARGV[base + 3], ARGV[base + 4]
  local case_id, version, event_id = ARGV[base + 6], tonumber(ARGV[base + 7]), ARGV[base + 8]
  local parsed = id_of(id)
  if not parsed or not after(parsed, previous) then
    return refuse("stream id " .. id .. " does not follow the last one")
  end
  previous = parsed
  if n ~= counter + i then
    return refuse("entry " .. id .. " is number " .. ARGV[base + 2] .. ", not " .. (counter + i))
  end
  local head = heads[case_id]
  if not head then
    local stored = redis.call("HGET", KEYS[3], case_id)
    if stored then
      local v, h = string.match(stored, "^(%d+) (%x+)$")
      head = {tonumber(v), h}
    else
      head = {0, GENESIS}
    end
  end
  if version ~= head[1] + 1 or prev ~= head[2] then
    return refuse("case " .. case_id .. " version " .. ARGV[base + 7] .. " does not continue its chain")
  end
  heads[case_id] = {version, hash}
  if seen[event_id] or redis.call("HEXISTS", KEYS[4], event_id) == 1 then
    return refuse("event id " .. event_id .. " is recorded twice")
  end
  seen[event_id] = true
end

for i = 1, count do
  local base = (i - 1) * FIELDS
  local id = ARGV[base + 1]
  redis.call("XADD", KEYS[1], id, "n", ARGV[base + 2], "prev", ARGV[base + 3], "hash", ARGV[base + 4],
    "e", ARGV[base + 5])
  redis.call("RPUSH", KEYS[4 + i], id)
  redis.call("HSET", KEYS[4], ARGV[base + 8], id)
end
for case_id, head in pairs(heads) do
  redis.call("HSET", KEYS[3], case_id, tostring(head[1]) .. " " .. head[2])
end
redis.call("SET", KEYS[2], tostring(counter + count))
return counter + count
"""
