"""The Lua scripts the Redis key store runs, each one atomic on the server.

Redis is shared with whoever else can write to it, so nothing read there is taken at its
word: a value's type and size are checked on the server before it is sent (a 50 MiB value
costs its reader nothing), a tombstone is honoured only while it has a sane expiry, and a
lock with none is not a lock any BFF wrote.
"""

from __future__ import annotations

# KEYS[1] entry; ARGV[1] largest size. nil: absent; -1: not a string; -2: too large.
READ_BOUNDED = """
local kind = redis.call('type', KEYS[1])['ok']
if kind == 'none' then return false end
if kind ~= 'string' then return -1 end
if redis.call('strlen', KEYS[1]) > tonumber(ARGV[1]) then return -2 end
return redis.call('get', KEYS[1])
"""

# KEYS[1] entry; ARGV[1] value, ARGV[2] tombstone kind byte, ARGV[3] TTL in ms, ARGV[4]
# the longest TTL an entry gets. Never put a key over a tombstone (one that expires within
# that longest TTL: a BFF's; one without expiry is a writer's, and no tombstone).
SET_UNLESS_TOMBSTONE = """
if redis.call('type', KEYS[1])['ok'] == 'string'
    and redis.call('getrange', KEYS[1], 0, 0) == ARGV[2] then
  local left = redis.call('pttl', KEYS[1])
  if left >= 0 and left <= tonumber(ARGV[4]) then return 0 end
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
"""

# KEYS[1] entry; ARGV[1] the value read and judged stale. Delete it only if unchanged.
DELETE_IF_UNCHANGED = """
if redis.call('type', KEYS[1])['ok'] == 'string'
    and redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""

# KEYS[1] lock; ARGV[1] longest sane TTL in ms. Delete a lock no BFF could have written
# (no expiry, or one longer than any BFF sets); 1 when it did.
CLEAR_INSANE_LOCK = """
local left = redis.call('pttl', KEYS[1])
if left == -1 or left > tonumber(ARGV[1]) then
  redis.call('del', KEYS[1])
  return 1
end
return 0
"""
