-- called: a navigator telephoned the referrer of a call-back task; the
-- task is closed with who, when and their note, and audited.
-- Arguments: id (the task's), actor, at (ms), note.
-- Answer: {ref}: the task's referral.
-- KEYS: callback:$id callbacks callbacks:done events
-- Keys from data: ref:<ref>:audit (the task's referral).
local p = ARGV[1]
return serve(function(a)
  local key = declared('callback:' .. a.id)
  local t = redis.call('HMGET', key, 'state', 'ref', 'event', 'called_by')
  if not t[1] then
    refuse('no call-back task ' .. a.id .. ' (see mashctl callbacks)')
  end
  if t[1] ~= 'open' then
    refuse('call-back task ' .. a.id .. ' was closed already, by ' ..
           (t[4] or '?'))
  end
  redis.call('HSET', key, 'state', 'done', 'called_at', a.at,
             'called_by', a.actor, 'note', a.note)
  redis.call('ZREM', declared('callbacks'), a.id)
  redis.call('ZADD', declared('callbacks:done'), a.at, a.id)
  audit(p, t[2] or '', a.at, a.actor, 'called',
        'task=' .. a.id .. ' event=' .. (t[3] or '') .. ' note: ' .. a.note)
  return {ref = t[2] or ''}
end)
