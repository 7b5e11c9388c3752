-- lib.lua: helpers every script shares; tools/lua2c.sh puts this file in
-- front of each script, so each stays one self-contained EVAL.

-- audit: one event of the audit trail (SPEC section 9: who, what, when,
-- why), also indexed under its referral so `history` reads it at once.
local function audit(p, ref, at, actor, action, detail)
  local eid = redis.call('XADD', p .. 'events', '*', 'ref', ref, 'at', at,
                         'actor', actor, 'action', action, 'detail', detail)
  if ref ~= '' then
    redis.call('RPUSH', p .. 'ref:' .. ref .. ':audit', eid)
  end
  return eid
end
