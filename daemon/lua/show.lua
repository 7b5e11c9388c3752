-- show: a referral's whole stored record; the read is audited.
-- ARGV: prefix, id, actor, at_ms
-- Returns the hash as a flat field/value list, or nil when there is none.
local p, id, actor, at = unpack(ARGV)
local fields = redis.call('HGETALL', p .. 'ref:' .. id)
if #fields == 0 then return nil end
audit(p, id, at, actor, 'show',
      'record read')
return fields
