-- claim / release: who is working a referral. One navigator holds it at a
-- time; taking it from another needs force (a supervisor). Audited.
-- Arguments: id, actor, at (ms), what ("claim" or "release"), force
-- (true when the caller may take or release what another holds).
-- Answer: {owner (absent when released), previous (absent when none)}.
-- KEYS: ref:$id ref:$id:audit events
local p = ARGV[1]
return serve(function(a)
  local key = open_referral(p, a.id)
  local owner = redis.call('HGET', key, 'owner') or nil
  if a.what == 'claim' then
    if owner == a.actor then
      refuse('you hold ' .. a.id .. ' already')
    end
    if owner and not a.force then
      refuse('referral ' .. a.id .. ' is claimed by ' .. owner ..
             ' (a supervisor may take it with --force)')
    end
    redis.call('HSET', key, 'owner', a.actor, 'claimed', a.at,
               'status', 'claimed', 'updated', a.at)
    audit(p, a.id, a.at, a.actor, 'claim',
          owner and ('taken from ' .. owner .. ' (forced)') or 'claimed')
    queue_changed(a.id)
    return {owner = a.actor, previous = owner}
  end
  if not owner then
    refuse('referral ' .. a.id .. ' is not claimed')
  end
  if owner ~= a.actor and not a.force then
    refuse('referral ' .. a.id .. ' is held by ' .. owner ..
           ', not by you')
  end
  redis.call('HDEL', key, 'owner', 'claimed')
  redis.call('HSET', key, 'status', 'new', 'updated', a.at)
  audit(p, a.id, a.at, a.actor, 'release',
        owner == a.actor and 'released' or ('released from ' .. owner))
  queue_changed(a.id)
  return {previous = owner}
end)
