-- confirm: the written confirmation of a telephone referral has arrived:
-- stop its `written` timer and audit it, in one step.
-- ARGV: prefix, id, actor, now_ms, how (e.g. "mashctl")
local p, id, actor, now, how = unpack(ARGV)
local key = p .. 'ref:' .. id
if redis.call('EXISTS', key) == 0 then
  return redis.error_reply('ERR no referral ' .. id)
end
if redis.call('HEXISTS', key, 'due:written') == 0 then
  return redis.error_reply('ERR referral ' .. id ..
                           ' awaits no written confirmation')
end
if redis.call('HEXISTS', key, 'stopped:written') == 1 then
  return redis.error_reply('ERR referral ' .. id .. ' is confirmed already')
end
redis.call('ZREM', p .. 'due', id .. ':written')
redis.call('HSET', key, 'stopped:written', now, 'confirmed', now,
           'updated', now)
redis.call('XADD', p .. 'events', '*', 'ref', id, 'at', now, 'actor', actor,
           'action', 'confirm', 'detail', 'written confirmation via ' .. how)
return 'OK'
