-- rate: a navigator or supervisor re-rates a referral, with a reason. The
-- screening timer restarts by the new rating; the queue reorders; a rise
-- to Red alerts the navigators and First Response (and, out of hours, the
-- Emergency Duty Team). All in one step, audited.
-- ARGV: prefix, id, actor, now_ms, brag, reason, (unused), (unused),
--       screening_due_ms ("" for none), hub_closed ("1"/"0"), force ("1"
--       when the caller may re-rate a referral another holds)
local p, id, actor, now, brag, reason, _, _, due, closed, force =
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
-- The queue's order, by the new rating and the new screening due time.
redis.call('ZADD', p .. 'queue', 'XX',
           queue_score(brag, redis.call('HGET', key, 'due:decision'),
                       due, redis.call('HGET', key, 'received')), id)
-- The screening timer starts again, by the new rating.
redis.call('ZREM', p .. 'due', id .. ':screening')
redis.call('HDEL', key, 'due:screening', 'fired:screening', 'stopped:screening')
if due ~= '' then
  redis.call('HSET', key, 'due:screening', due)
  redis.call('ZADD', p .. 'due', due, id .. ':screening')
end
audit(p, id, now, actor, 'rate', old .. '->' .. brag .. ' reason=' .. reason)
if brag == 'red' then
  redis.call('XADD', p .. 'outbox', '*', 'event', EVENT.RED, 'ref', id,
             'brag', brag, 'timer', 'screening', 'due', due, 'edt', closed,
             'at', now)
end
return old
