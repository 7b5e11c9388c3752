-- screen: a navigator records that a referral's screening is done (SPEC
-- section 5: the `screening` timer stops when "screening is completed").
-- The screening timer and its supervisors' stage (screening_escalate)
-- stop, the referral keeps its place in the queue by its decision alone,
-- and the audit says who and why, in one step. Refused once decided, and
-- when its screening is recorded already (a re-rating starts it again).
-- Arguments: id, actor, at (ms), reason.
-- Answer: {screened}: when (ms, as a string).
-- KEYS: ref:$id ref:$id:audit due queue events
local p = ARGV[1]
return serve(function(a)
  local key = open_referral(p, a.id)
  local done = redis.call('HGET', key, 'screened')
  if done then
    refuse('the screening of ' .. a.id .. ' is recorded already' ..
           ' (a re-rating starts it again)')
  end
  local at = string.format('%.0f', a.at)
  for _, timer in ipairs({TIMER.SCREENING, TIMER.SCREENING_ESCALATE}) do
    if redis.call('HEXISTS', key, 'due:' .. timer) == 1 and
       redis.call('HEXISTS', key, 'stopped:' .. timer) == 0 then
      stop_timer(p, a.id, timer, at)
    end
  end
  redis.call('HSET', key, 'screened', at, 'screen_reason', a.reason,
             'updated', at)
  local r = redis.call('HMGET', key, 'brag', 'due:' .. TIMER.DECISION,
                       'received')
  if BRAG_RANK[r[1]] then
    redis.call('ZADD', declared('queue'), 'XX',
               queue_score(r[1], r[2], nil, r[3]), a.id)
  end
  audit(p, a.id, at, a.actor, 'screen', 'reason=' .. a.reason)
  queue_changed(a.id)
  return {screened = at}
end)
