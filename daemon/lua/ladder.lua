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

-- schedule: the next rung of one item; true when it was scheduled. One
-- HMGET reads what decides it; the audit goes into the call's batch
-- (lib.lua), and a rung changes nothing metrics_sync counts.
local function schedule(b, e, at)
  if type(e.id) ~= 'string' or not string.match(e.id, '^' .. REF_PATTERN ..
                                                '$') then
    return false
  end
  local key = from_data('ref:' .. e.id)
  local v = call_undamaged('HMGET', key, 'brag', 'rung:' .. T, 'status',
                           'stopped:' .. TIMER.DECISION, 'stopped:' .. T)
  -- A record damaged (lib.lua) gets no rung: its timers fire no more
  -- (fire.lua says so).
  if not v then return false end
  -- A referral's hash holds its BRAG: without one, it may be gone.
  if not (v[1] or redis.call('EXISTS', key) == 1) then return false end
  local rung = tonumber(v[2] or '0')
  if rung ~= tonumber(e.after) or v[3] == 'decided' or v[4] or v[5] then
    return false
  end
  rung = rung + 1
  local due = tostring(e.due)
  redis.call('HSET', key, 'rung:' .. T, rung, 'due:' .. T, due)
  redis.call('ZADD', declared('due'), due, e.id .. ':' .. T)
  batch_audit(b, p, e.id, tostring(at), 'mashd', 'schedule',
              'timer=' .. T .. ' rung=' .. rung .. ' due=' .. due)
  return true
end

return serve(function(a)
  local n = 0
  local b = batch_open()
  for _, e in ipairs(a.items or {}) do
    if schedule(b, e, a.at) then n = n + 1 end
  end
  batch_close(b)
  return {scheduled = n}
end)
