-- ladder: schedule the next rung of the reminder ladder (a decision still
-- overdue), after the rung before it fired. The due time needs working
-- hours, which only C knows, so scheduler.c works it out from the fired
-- rung's due time and calls this once per firing; fire.lua's ZREM claim
-- gave that firing to one mashd alone. The rung counter is compared and
-- set here, so a call repeated (a lost reply sent again) schedules
-- nothing twice; a referral decided, or whose decision timer is stopped
-- (decide, reopen), has no further rung.
-- Arguments: id, after (the rung that fired: 0 for the decision timer
-- itself), due (ms, as a string), at (ms).
-- Answer: {scheduled = true|false, rung}.
-- KEYS: ref:$id ref:$id:audit due events
local p = ARGV[1]
local T = TIMER.OVERDUE_REMINDER
return serve(function(a)
  local key = declared('ref:' .. a.id)
  if redis.call('EXISTS', key) == 0 then return {scheduled = false} end
  local rung = tonumber(redis.call('HGET', key, 'rung:' .. T) or '0')
  if rung ~= tonumber(a.after)
     or redis.call('HGET', key, 'status') == 'decided'
     or redis.call('HEXISTS', key, 'stopped:' .. TIMER.DECISION) == 1
     or redis.call('HEXISTS', key, 'stopped:' .. T) == 1 then
    return {scheduled = false, rung = rung}
  end
  rung = rung + 1
  redis.call('HSET', key, 'rung:' .. T, rung, 'due:' .. T, a.due)
  redis.call('ZADD', declared('due'), a.due, a.id .. ':' .. T)
  audit(p, a.id, a.at, 'mashd', 'schedule',
        'timer=' .. T .. ' rung=' .. rung .. ' due=' .. a.due)
  return {scheduled = true, rung = rung}
end)
