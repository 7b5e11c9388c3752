-- ladder: schedule the next rung of the reminder ladder (a decision still
-- overdue), after the rung before it fired. The due time needs working
-- hours, which only C knows, so scheduler.c works it out from the fired
-- rung's due time, for every rung and decision of one fire.lua answer,
-- and calls this once for them all (ladder_gap.c, for one); fire.lua's
-- claim gave each firing to one mashd alone. The rung counter is
-- compared and set here, so a call repeated (a lost reply sent again)
-- schedules nothing twice; a referral decided, or whose decision timer is
-- stopped (decide, reopen), has no further rung.
-- Arguments: at (ms), items: [{id, after (the rung that fired: 0 for the
-- decision timer itself), due (ms, as a string)}].
-- Answer: {scheduled = the rungs scheduled}.
-- KEYS: due events
-- Keys from data: ref:<id> and ref:<id>:audit of each item (the
-- referrals a fire.lua answer, or ladder_gap.lua's, named).
local p = ARGV[1]
local T = TIMER.OVERDUE_REMINDER

-- schedule: the next rung of one item; true when it was scheduled.
local function schedule(e, at)
  if type(e.id) ~= 'string' or not string.match(e.id, '^' .. REF_PATTERN ..
                                                '$') then
    return false
  end
  local key = from_data('ref:' .. e.id)
  if redis.call('EXISTS', key) == 0 then return false end
  local rung = tonumber(redis.call('HGET', key, 'rung:' .. T) or '0')
  if rung ~= tonumber(e.after)
     or redis.call('HGET', key, 'status') == 'decided'
     or redis.call('HEXISTS', key, 'stopped:' .. TIMER.DECISION) == 1
     or redis.call('HEXISTS', key, 'stopped:' .. T) == 1 then
    return false
  end
  rung = rung + 1
  local due = tostring(e.due)
  redis.call('HSET', key, 'rung:' .. T, rung, 'due:' .. T, due)
  redis.call('ZADD', declared('due'), due, e.id .. ':' .. T)
  audit(p, e.id, at, 'mashd', 'schedule',
        'timer=' .. T .. ' rung=' .. rung .. ' due=' .. due)
  return true
end

return serve(function(a)
  local n = 0
  for _, e in ipairs(a.items or {}) do
    if schedule(e, a.at) then n = n + 1 end
  end
  return {scheduled = n}
end)
