-- claim / release: who is working a referral. One navigator holds it at a
-- time; taking it from another needs force (a supervisor). Audited.
-- ARGV: prefix, id, actor, now_ms, what ("claim" or "release"),
--       force ("1" or "0")
local p, id, actor, now, what, force = unpack(ARGV)
local key = p .. 'ref:' .. id
if redis.call('EXISTS', key) == 0 then
  return redis.error_reply('ERR no referral ' .. id)
end
local status = redis.call('HGET', key, 'status')
if status == 'decided' then
  return redis.error_reply('ERR referral ' .. id .. ' is decided already')
end
local owner = redis.call('HGET', key, 'owner')
if what == 'claim' then
  if owner == actor then
    return redis.error_reply('ERR you hold ' .. id .. ' already')
  end
  if owner and force ~= '1' then
    return redis.error_reply('ERR referral ' .. id .. ' is claimed by ' ..
                             owner .. ' (a supervisor may take it with --force)')
  end
  redis.call('HSET', key, 'owner', actor, 'claimed', now, 'status', 'claimed',
             'updated', now)
  audit(p, id, now, actor, 'claim',
        owner and ('taken from ' .. owner .. ' (forced)') or 'claimed')
else
  if not owner then
    return redis.error_reply('ERR referral ' .. id .. ' is not claimed')
  end
  if owner ~= actor and force ~= '1' then
    return redis.error_reply('ERR referral ' .. id .. ' is held by ' .. owner ..
                             ', not by you')
  end
  redis.call('HDEL', key, 'owner', 'claimed')
  redis.call('HSET', key, 'status', 'new', 'updated', now)
  audit(p, id, now, actor, 'release',
        owner == actor and 'released' or ('released from ' .. owner))
end
return 'OK'
