-- alert_retry: a dead alert goes back to the outbox as a new alert with
-- the same content; the dead one is marked requeued. Audited.
-- ARGV: prefix, id, actor, now_ms
-- Returns the new alert's id.
local p, id, actor, now = unpack(ARGV)
local a = p .. 'alert:' .. id
local state = redis.call('HGET', a, 'state')
if state ~= 'dead' then
  return redis.error_reply('ERR alert ' .. id .. ' is ' ..
                           (state or 'unknown') .. ', not dead')
end
local entry = redis.call('XRANGE', p .. 'outbox', id, id)
if not entry[1] then
  return redis.error_reply('ERR alert ' .. id .. ' is not in the outbox')
end
local f = entry[1][2]
f[#f + 1] = 'retry_of'
f[#f + 1] = id
local new = redis.call('XADD', p .. 'outbox', '*', unpack(f))
redis.call('HSET', a, 'state', 'requeued', 'requeued_as', new)
redis.call('ZREM', p .. 'dead', id)
audit(p, redis.call('HGET', a, 'ref') or '', now, actor, 'alert_retry',
      'alert=' .. id .. ' requeued as ' .. new)
return new
