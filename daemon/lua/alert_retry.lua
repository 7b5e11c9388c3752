-- alert_retry: a dead alert goes back to the outbox as a new alert with
-- the same content; the dead one is marked requeued. Audited.
-- Arguments: id, actor, at (ms).
-- Answer: {id}: the new alert's.
-- KEYS: alert:$id outbox dead events stats queue overdue
-- Keys from data: ref:<ref>:audit (the alert's referral).
local p = ARGV[1]
return serve(function(a)
  local key = declared('alert:' .. a.id)
  local state = redis.call('HGET', key, 'state')
  if state ~= 'dead' then
    refuse('alert ' .. a.id .. ' is ' .. (state or 'unknown') ..
           ', not dead')
  end
  local entry = redis.call('XRANGE', declared('outbox'), a.id, a.id)
  if not entry[1] then
    refuse('alert ' .. a.id .. ' is not in the outbox')
  end
  local f = entry[1][2]
  f[#f + 1] = 'retry_of'
  f[#f + 1] = a.id
  local new = redis.call('XADD', declared('outbox'), '*', unpack(f))
  redis.call('HSET', key, 'state', 'requeued', 'requeued_as', new)
  redis.call('ZREM', declared('dead'), a.id)
  audit(p, redis.call('HGET', key, 'ref') or '', a.at, a.actor,
        'alert_retry', 'alert=' .. a.id .. ' requeued as ' .. new)
  return {id = new}
end)
