-- rate: a navigator or supervisor re-rates a referral, with a reason. The
-- screening timer restarts by the new rating; the queue reorders; a rise
-- to Red alerts the navigators and First Response (and, out of hours, the
-- Emergency Duty Team). All in one step, audited.
-- ARGV: prefix, id, actor, now_ms, brag, reason, brag_rank, rank_width,
--       screening_due_ms ("" for none), hub_closed ("1"/"0"), force ("1"
--       when the caller may re-rate a referral another holds)
local p, id, actor, now, brag, reason, rank, width, due, closed, force =
  unpack(ARGV)
local key = p .. 'ref:' .. id
if redis.call('EXISTS', key) == 0 then
  return redis.error_reply('ERR no referral ' .. id)
end
if redis.call('HGET', key, 'status') == 'decided' then
  return redis.error_reply('ERR referral ' .. id .. ' is decided already')
end
local owner = redis.call('HGET', key, 'owner')
if owner and owner ~= actor and force ~= '1' then
  return redis.error_reply('ERR referral ' .. id .. ' is held by ' .. owner ..
                           '; only they or a supervisor may re-rate it')
end
local old = redis.call('HGET', key, 'brag')
if old == brag then
  return redis.error_reply('ERR referral ' .. id .. ' is ' .. brag .. ' already')
end
redis.call('HSET', key, 'brag', brag, 'updated', now)
-- The queue's order, as deadline_queue_score() computes it at intake: the
-- rank, then the earliest of screening and decision still running.
local first = tonumber(redis.call('HGET', key, 'due:decision') or now)
if due ~= '' and tonumber(due) < first then first = tonumber(due) end
redis.call('ZADD', p .. 'queue', 'XX',
           string.format('%.0f', tonumber(rank) * tonumber(width) + first), id)
-- The screening timer starts again, by the new rating.
redis.call('ZREM', p .. 'due', id .. ':screening')
redis.call('HDEL', key, 'due:screening', 'fired:screening', 'stopped:screening')
if due ~= '' then
  redis.call('HSET', key, 'due:screening', due)
  redis.call('ZADD', p .. 'due', due, id .. ':screening')
end
audit(p, id, now, actor, 'rate', old .. '->' .. brag .. ' reason=' .. reason)
if brag == 'red' then
  redis.call('XADD', p .. 'outbox', '*', 'event', 'red', 'ref', id,
             'brag', brag, 'timer', 'screening', 'due', due, 'edt', closed,
             'at', now)
end
return old
