-- digest_overdue: one page of the overdue hash for the supervisors'
-- daily digest (digest_pages.c): the referrals it names, with what the
-- digest tells of each, read in the same call. mashd calls it from the
-- cursor it answered until that is "0" (HSCAN: a field there throughout
-- is read at least once, and may be read twice; mashd counts it once).
-- Arguments: cursor ("0" on the first page), count (fields a page, about;
-- a hash in Redis's compact encoding, hash-max-listpack-entries fields or
-- fewer, 512 by default, comes whole whatever the count).
-- Answer: {cursor, overdue [{id, holder, due, brag}] (the decisions
-- overdue), written [{id, due}] (the written confirmations missing)};
-- an item whose record is damaged (lib.lua) is {id, due = "", damaged =
-- "not a hash"}: nothing of it is known but its reference.
-- KEYS: overdue
-- Keys from data: ref:<id> of each referral on the page.
local p = ARGV[1]
local D, W = TIMER.DECISION, TIMER.WRITTEN
return serve(function(a)
  local r = redis.call('HSCAN', declared('overdue'), a.cursor, 'COUNT',
                       a.count)
  local h, od, wr = r[2], {}, {}
  for i = 1, #h, 2 do
    local id, timers = h[i], ' ' .. h[i + 1] .. ' '
    local v = call_undamaged('HMGET', from_data('ref:' .. id), 'owner',
                             'due:' .. D, 'brag', 'due:' .. W)
    local bad = not v and 'not a hash' or nil
    v = v or {}
    if string.find(timers, ' ' .. D .. ' ', 1, true) then
      od[#od + 1] = {id = id, holder = v[1] or '', due = v[2] or '',
                     brag = v[3] or '', damaged = bad}
    end
    if string.find(timers, ' ' .. W .. ' ', 1, true) then
      wr[#wr + 1] = {id = id, due = v[4] or '', damaged = bad}
    end
  end
  return {cursor = r[1], overdue = od, written = wr}
end)
