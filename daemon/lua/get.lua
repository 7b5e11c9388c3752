-- get: a referral's status for the client that submitted it; audited.
-- ARGV: prefix, id, client, actor, at_ms
-- Returns {id, status, brag, received_ms}, or nil when there is no such
-- referral or another client submitted it (the caller cannot tell which).
local p, id, client, actor, at = unpack(ARGV)
local key = p .. 'ref:' .. id
local r = redis.call('HMGET', key, 'client', 'status', 'brag', 'received')
if not r[1] or r[1] ~= client then return nil end
audit(p, id, at, actor, 'status',
      'status read by its referrer')
return {id, r[2], r[3], r[4]}
