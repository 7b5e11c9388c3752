-- decide: record a referral's outcome, stop the timers a decision stops
-- (DECISION_STOPS: `written` runs on, since a telephone referral still
-- needs its written confirmation), take it off the queue, tell the
-- referrer (that it changed, after a reopening), and audit it, in one
-- step.
-- Arguments: id, outcome, reason, actor, at (ms), actions (what was done
-- or will be, for the referrer; "" for none).
-- Answer: {outcome}.
-- KEYS: ref:$id ref:$id:audit due queue outbox events index:decided
local p = ARGV[1]
return serve(function(a)
  local key = referral(p, a.id)
  if redis.call('HGET', key, 'status') == 'decided' then
    refuse('referral ' .. a.id .. ' is decided already (' ..
           (redis.call('HGET', key, 'outcome') or '?') .. ')')
  end
  for _, timer in ipairs(DECISION_STOPS) do
    if redis.call('HEXISTS', key, 'due:' .. timer) == 1 and
       redis.call('HEXISTS', key, 'stopped:' .. timer) == 0 then
      stop_timer(p, a.id, timer, a.at)
    end
  end
  local actions = a.actions or ''
  redis.call('HSET', key, 'status', 'decided', 'outcome', a.outcome,
             'decision_reason', a.reason, 'decided', a.at, 'updated', a.at,
             'actions', actions)
  redis.call('ZREM', declared('queue'), a.id)
  -- What left the queue, by when, for `mashctl list` (list.lua).
  redis.call('ZADD', declared('index:decided'), a.at, a.id)
  audit(p, a.id, a.at, a.actor, 'decide',
        'outcome=' .. a.outcome .. ' reason=' .. a.reason ..
        (actions ~= '' and (' actions=' .. actions) or ''))
  -- After a reopening (reopen.lua) the referrer is told it changed.
  local previous = redis.call('HGET', key, 'previous_outcome') or ''
  redis.call('HDEL', key, 'previous_outcome')
  queue_alert(p, EVENT.OUTCOME, a.id, a.at, 'outcome', a.outcome,
              'brag', redis.call('HGET', key, 'brag'), 'actions', actions,
              'previous', previous)
  queue_changed(a.id)
  return {outcome = a.outcome}
end)
