-- rate: a navigator or supervisor re-rates a referral, with a reason. The
-- screening timer restarts by the new rating; the queue reorders; a rise
-- to Red alerts the navigators and First Response (and, out of hours, the
-- Emergency Duty Team). All in one step, audited.
-- Arguments: id, actor, at (ms), brag, reason, screening_due and
-- screening_escalate_due (ms; absent when the new rating has no
-- screening target), closed (true out of
-- office hours), force (true when the caller may re-rate a referral
-- another holds).
-- Answer: {previous}: the rating it had.
-- KEYS: ref:$id ref:$id:audit queue due outbox events stats overdue
local p = ARGV[1]
return serve(function(a)
  local key = open_referral(p, a.id)
  if not BRAG_RANK[a.brag] then
    refuse('unknown BRAG rating "' .. tostring(a.brag) .. '"')
  end
  local owner = redis.call('HGET', key, 'owner')
  if owner and owner ~= a.actor and not a.force then
    refuse('referral ' .. a.id .. ' is held by ' .. owner ..
           '; only they or a supervisor may re-rate it')
  end
  local old = redis.call('HGET', key, 'brag')
  if old == a.brag then
    refuse('referral ' .. a.id .. ' is ' .. a.brag .. ' already')
  end
  local due = a.screening_due
  redis.call('HSET', key, 'brag', a.brag, 'updated', a.at)
  redis.call('ZADD', declared('queue'), 'XX',
             queue_score(a.brag, redis.call('HGET', key, 'due:decision'),
                         due, redis.call('HGET', key, 'received')), a.id)
  -- The screening timer starts again, by the new rating, now, and its
  -- supervisors' stage with it; a screening recorded is for the old
  -- rating. Its start is kept, so a reload works it out again from here
  -- (timers.lua).
  local screening = TIMER.SCREENING
  local stages = {{screening, due},
                  {TIMER.SCREENING_ESCALATE, a.screening_escalate_due}}
  redis.call('HDEL', key, 'screened', 'screen_reason')
  for _, stage in ipairs(stages) do
    local timer, at = stage[1], stage[2]
    redis.call('ZREM', declared('due'), a.id .. ':' .. timer)
    redis.call('HDEL', key, 'due:' .. timer, 'fired:' .. timer,
               'stopped:' .. timer, 'start:' .. timer)
    if at then
      redis.call('HSET', key, 'due:' .. timer, at, 'start:' .. timer, a.at)
      redis.call('ZADD', declared('due'), at, a.id .. ':' .. timer)
    end
  end
  audit(p, a.id, a.at, a.actor, 'rate',
        old .. '->' .. a.brag .. ' reason=' .. a.reason)
  if a.brag == BRAG.RED then
    queue_alert(p, EVENT.RED, a.id, a.at, 'brag', a.brag,
                'timer', screening, 'due', due or '',
                'edt', a.closed and '1' or '0')
  end
  queue_changed(a.id)
  return {previous = old}
end)
