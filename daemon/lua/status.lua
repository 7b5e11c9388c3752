-- status: how many referrals are open, by BRAG rank.
-- ARGV: prefix, rank_width
-- Returns {open, red, amber, green, blue, events}.
local p, width = unpack(ARGV)
local q = p .. 'queue'
local out = {redis.call('ZCARD', q)}
for rank = 0, 3 do
  out[#out + 1] = redis.call('ZCOUNT', q, rank * width,
                             '(' .. ((rank + 1) * width))
end
out[#out + 1] = redis.call('XLEN', p .. 'events')
return out
