-- history: a referral's audit trail, oldest first; reading it is itself
-- audited (first, so the trail shows this read too).
-- Arguments: id, actor, at (ms).
-- Answer: {events = [{at, actor, action, detail}]}.
-- KEYS: ref:$id ref:$id:audit events
local p = ARGV[1]
return serve(function(a)
  local key = referral(p, a.id)
  local list = declared('ref:' .. a.id .. ':audit')
  if key_is(list, 'list') == nil then
    refuse('referral ' .. a.id .. ' is damaged: its list of events is ' ..
           'not a list (the events themselves are kept in the audit trail)')
  end
  audit(p, a.id, a.at, a.actor, 'history', 'audit trail read')
  local events = {}
  for _, eid in ipairs(redis.call('LRANGE', list, 0, -1)) do
    local e = redis.call('XRANGE', declared('events'), eid, eid)
    if e[1] then
      local f, ev = e[1][2], {}
      for i = 1, #f, 2 do ev[f[i]] = f[i + 1] end
      events[#events + 1] = {at = ev.at or '', actor = ev.actor or '',
                             action = ev.action or '',
                             detail = ev.detail or ''}
    end
  end
  return {events = events}
end)
