#!lua
--[[
Write case views with their versions, their case updates and their acknowledgements,
all at once (ADR 0013: "two workers on one partition must never corrupt a view").

A view is written only if the view stored is exactly the one the new view was folded
from: the same version and, when the caller gives one, the same digest (SHA-1 of its
JSON; a `liaison parked --retry` repair rewrites a view at the same version, and a worker
folding onto its remembered copy of the old one must not undo the repair). Otherwise
another writer moved the case first and this one must re-read and fold again, so its
entries are not acknowledged either. All keys carry the
partition's hash tag, so this runs unchanged on a Redis Cluster.

Under partition leases (ADR 0022) the caller passes the lease it holds: if the lease key
holds anything else, another worker may be projecting the partition, and nothing is written
or acknowledged (error FENCED).

KEYS: 1 views (hash), 2 view versions (hash), 3 updates (stream), 4 partition log (stream),
      5 the partition's lease of this group (string)
ARGV: 1 consumer group, 2 approximate MAXLEN of the updates stream, 3 the lease held ("" = no
      leases), then per record: case id ("" = acknowledge only), base version, base digest ("" = no
      view stored, "*" = compare versions only), new version, view JSON ("" = nothing to
      write), number of entry ids k, then k entry ids to XACK
Reply: the case ids whose write was refused (the stored view was not the base one)
]]
local group = ARGV[1]
local maxlen = ARGV[2]
if ARGV[3] ~= "" and redis.call("GET", KEYS[5]) ~= ARGV[3] then
  return redis.error_reply("FENCED the lease of this partition is not " .. ARGV[3])
end
local refused = {}
local i = 4
while i <= #ARGV do
  local case_id, base, digest, version, view = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local k = tonumber(ARGV[i + 5])
  local ok = true
  if view ~= "" then
    local stored = redis.call("HGET", KEYS[2], case_id) or "0"
    local moved = stored ~= base
    if not moved and digest ~= "*" then
      local raw = redis.call("HGET", KEYS[1], case_id)
      moved = (raw and redis.sha1hex(raw) or "") ~= digest
    end
    if moved then
      ok = false
      refused[#refused + 1] = case_id
    else
      redis.call("HSET", KEYS[1], case_id, view)
      redis.call("HSET", KEYS[2], case_id, version)
      redis.call("XADD", KEYS[3], "MAXLEN", "~", maxlen, "*", "case_id", case_id, "version", version, "view", view)
    end
  end
  if ok then
    for j = 1, k do
      redis.call("XACK", KEYS[4], group, ARGV[i + 5 + j])
    end
  end
  i = i + 6 + k
end
return refused
