-- decide: record a referral's outcome, stop the timers a decision stops
-- (decision, escalation, screening and the decision warning), take it off
-- the queue, and audit it, in one step. `written` runs on: a telephone
-- referral still needs its written confirmation.
-- ARGV: prefix, id, outcome, reason, actor, now_ms
local p, id, outcome, reason, actor, now = unpack(ARGV)
local key = p .. 'ref:' .. id
if redis.call('EXISTS', key) == 0 then
  return redis.error_reply('ERR no referral ' .. id)
end
if redis.call('HGET', key, 'status') == 'decided' then
  return redis.error_reply('ERR referral ' .. id .. ' is decided already (' ..
                           (redis.call('HGET', key, 'outcome') or '?') .. ')')
end
for _, timer in ipairs(DECISION_STOPS) do
  if redis.call('HEXISTS', key, 'due:' .. timer) == 1 and
     redis.call('HEXISTS', key, 'stopped:' .. timer) == 0 then
    redis.call('ZREM', p .. 'due', id .. ':' .. timer)
    redis.call('HSET', key, 'stopped:' .. timer, now)
  end
end
redis.call('HSET', key, 'status', 'decided', 'outcome', outcome,
           'decision_reason', reason, 'decided', now, 'updated', now)
redis.call('ZREM', p .. 'queue', id)
audit(p, id, now, actor, 'decide',
      'outcome=' .. outcome ..
           ' reason=' .. reason)
redis.call('XADD', p .. 'outbox', '*', 'event', EVENT.OUTCOME, 'ref', id,
           'outcome', outcome, 'brag', redis.call('HGET', key, 'brag'),
           'at', now)
return 'OK'
