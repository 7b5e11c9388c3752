-- note: a navigator's note on a referral, into its audit trail.
-- Arguments: id, actor, at (ms), text.
-- Answer: {}.
-- KEYS: ref:$id ref:$id:audit events
local p = ARGV[1]
return serve(function(a)
  local key = referral(p, a.id)
  redis.call('HSET', key, 'updated', a.at)
  audit(p, a.id, a.at, a.actor, 'note', a.text)
  return {}
end)
