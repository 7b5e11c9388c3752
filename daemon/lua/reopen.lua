-- reopen: a supervisor reopens a decided referral to correct its
-- decision. It goes back on the queue, held by whoever held it, with its
-- timers left stopped (the decision was made in time; no alert falls due
-- again), and the outcome it had is kept as previous_outcome, so that
-- the next decide tells the referrer the decision changed. Audited as
-- "reopen", in one step. Refused for a referral not decided.
-- Arguments: id, actor, at (ms), reason.
-- Answer: {previous}: the outcome it had.
-- KEYS: ref:$id ref:$id:audit queue events
local p = ARGV[1]
return serve(function(a)
  local key = referral(p, a.id)
  local r = redis.call('HMGET', key, 'status', 'outcome', 'brag',
                       'due:' .. TIMER.DECISION, 'received', 'owner')
  if r[1] ~= 'decided' then
    refuse('referral ' .. a.id .. ' is not decided: there is nothing to ' ..
           'reopen')
  end
  local at = string.format('%.0f', a.at)
  local previous = r[2] or ''
  redis.call('HDEL', key, 'outcome', 'decision_reason', 'decided',
             'actions')
  redis.call('HSET', key, 'status', r[6] and 'claimed' or 'new',
             'previous_outcome', previous, 'reopened', at, 'updated', at)
  if BRAG_RANK[r[3]] then
    redis.call('ZADD', declared('queue'),
               queue_score(r[3], r[4], nil, r[5]), a.id)
  end
  audit(p, a.id, at, a.actor, 'reopen',
        'was=' .. previous .. ' reason=' .. a.reason)
  queue_changed(a.id)
  return {previous = previous}
end)
