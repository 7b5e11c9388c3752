-- queue: the open referrals with queue scores in [min, max), in order.
-- ARGV: prefix, min_score, max_score, limit
-- Returns one {id, brag, status, channel, received_ms} per referral.
local p, min, max, limit = unpack(ARGV)
local ids = redis.call('ZRANGEBYSCORE', p .. 'queue', min, '(' .. max,
                       'LIMIT', 0, tonumber(limit))
local out = {}
for i, id in ipairs(ids) do
  local r = redis.call('HMGET', p .. 'ref:' .. id, 'brag', 'status',
                       'channel', 'received')
  out[i] = {id, r[1] or '', r[2] or '', r[3] or '', r[4] or ''}
end
return out
