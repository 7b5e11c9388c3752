-- ladder_gap: the referrals whose reminder ladder has a gap: overdue for
-- their decision (fired, not stopped), undecided, with no rung pending in
-- the due set. fire.lua fires a rung and ladder.lua schedules the next
-- one in a later call; a mashd that dies between the two leaves such a
-- gap, which ladder_gap.c closes at start, on each reconnection and on
-- SIGHUP by calling ladder.lua as the firing would have. Reads only.
-- Arguments: cursor (of HSCAN over the overdue hash, "0" to begin),
-- count (entries looked at, about).
-- Answer: {cursor ("0" when done), now (Redis's clock, ms),
-- gaps = [{id, after (the rung that fired last: 0 for the decision),
-- due (ms, the due time of that firing)}]}.
-- KEYS: overdue due
-- Keys from data: ref:<id> of each referral overdue.
local p = ARGV[1]
local T = TIMER.OVERDUE_REMINDER
local D = TIMER.DECISION
return serve(function(a)
  local r = redis.call('HSCAN', declared('overdue'), a.cursor, 'COUNT',
                       a.count)
  local gaps = {}
  for i = 1, #r[2], 2 do
    local id, timers = r[2][i], ' ' .. r[2][i + 1] .. ' '
    if string.find(timers, ' ' .. D .. ' ', 1, true)
       and not redis.call('ZSCORE', declared('due'), id .. ':' .. T) then
      -- A record damaged (lib.lua): no due time read, so no gap.
      local v = call_undamaged('HMGET', from_data('ref:' .. id), 'status',
                               'stopped:' .. T, 'rung:' .. T, 'due:' .. T,
                               'due:' .. D) or {}
      if v[1] ~= 'decided' and not v[2] then
        local rung = tonumber(v[3] or '0')
        local due = v[5]
        if rung > 0 then due = v[4] end
        if due then
          gaps[#gaps + 1] = {id = id, after = rung, due = due}
        end
      end
    end
  end
  return {cursor = r[1], now = redis_now(), gaps = gaps}
end)
