-- get: a referral's status for the client that submitted it; audited.
-- Arguments: id, client (the HTTP client's name), actor, at (ms).
-- Answer: {id, status, brag, received (ms); once decided, outcome,
-- actions and decided (ms)}, or {} when there is no such
-- referral or another client submitted it (the caller cannot tell which),
-- or {damaged = true} when its record is damaged (not a hash: whose it is
-- cannot be read either).
-- KEYS: ref:$id ref:$id:audit events
local p = ARGV[1]
return serve(function(a)
  local r = call_undamaged('HMGET', declared('ref:' .. a.id), 'client',
                           'status', 'brag', 'received', 'outcome',
                           'actions', 'decided')
  if not r then return {damaged = true} end
  if not r[1] or r[1] ~= a.client then return {} end
  audit(p, a.id, a.at, a.actor, 'status', 'status read by its referrer')
  return {id = a.id, status = r[2] or '', brag = r[3] or '',
          received = r[4] or '', outcome = r[5], actions = r[6],
          decided = r[7]}
end)
