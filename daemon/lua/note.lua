-- note: a navigator's note on a referral, into its audit trail.
-- ARGV: prefix, id, actor, now_ms, text
local p, id, actor, now, text = unpack(ARGV)
if redis.call('EXISTS', p .. 'ref:' .. id) == 0 then
  return redis.error_reply('ERR no referral ' .. id)
end
redis.call('HSET', p .. 'ref:' .. id, 'updated', now)
audit(p, id, now, actor, 'note', text)
return 'OK'
