-- history: a referral's audit trail, oldest first; reading it is itself
-- audited (first, so the trail shows this read too).
-- ARGV: prefix, id, actor, now_ms
-- Returns one {at, actor, action, detail} per event.
local p, id, actor, now = unpack(ARGV)
if redis.call('EXISTS', p .. 'ref:' .. id) == 0 then
  return redis.error_reply('ERR no referral ' .. id)
end
audit(p, id, now, actor, 'history', 'audit trail read')
local out = {}
for _, eid in ipairs(redis.call('LRANGE', p .. 'ref:' .. id .. ':audit', 0, -1)) do
  local e = redis.call('XRANGE', p .. 'events', eid, eid)
  if e[1] then
    local f, ev = e[1][2], {}
    for i = 1, #f, 2 do ev[f[i]] = f[i + 1] end
    out[#out + 1] = {ev.at or '', ev.actor or '', ev.action or '',
                     ev.detail or ''}
  end
end
return out
