-- next: the earliest due time in the due set, or nil when none.
-- ARGV: prefix
local first = redis.call('ZRANGE', ARGV[1] .. 'due', 0, 0, 'WITHSCORES')
if #first == 0 then return nil end
return first[2]
