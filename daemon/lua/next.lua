-- next: the earliest due time in the due set, and Redis's clock, by which
-- fire.lua claims: the caller arms its timer by the difference, whatever
-- its own clock says, and measures its own clock against Redis's.
-- Arguments: none.
-- Answer: {now, due}: ms, as strings; due absent when nothing is due.
-- KEYS: due
local p = ARGV[1]
return serve(function()
  local first = redis.call('ZRANGE', declared('due'), 0, 0, 'WITHSCORES')
  return {now = redis_now(), due = first[2]}
end)
