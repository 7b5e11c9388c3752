-- backfill: the referrals stored by a mashd older than `mashctl list`'s
-- indexes (index:received, index:decided, which submit.lua and decide.lua
-- keep) join them, a batch per call, by the years' sequences: once,
-- since index:built then says it is done. Where it got to is kept
-- (index:backfill), so a restart goes on from there; adding a referral
-- twice is harmless (the same score).
-- Arguments: this_year, batch (referrals looked at per call).
-- Answer: {done, indexed (referrals added by this call)}.
-- KEYS: index:built index:backfill index:received index:decided
-- Keys from data: seq:<year> of each year from 2000, and ref:<id> of each
-- referral those years numbered.
local p = ARGV[1]
return serve(function(a)
  if redis.call('EXISTS', declared('index:built')) == 1 then
    return {done = true, indexed = 0}
  end
  local at = redis.call('GET', declared('index:backfill')) or '2000:0'
  local y, n = string.match(at, '^(%d+):(%d+)$')
  y, n = tonumber(y) or 2000, tonumber(n) or 0
  local left, indexed = a.batch, 0
  while y <= a.this_year + 1 do
    local last = tonumber(redis.call('GET', from_data('seq:' ..
                                     string.format('%04d', y))) or '0')
    while n < last and left > 0 do
      n, left = n + 1, left - 1
      local id = string.format(REF_FORMAT, y, n)
      -- A record damaged (lib.lua) is not indexed: list never shows it.
      local r = call_undamaged('HMGET', from_data('ref:' .. id), 'received',
                               'status', 'decided') or {}
      if tonumber(r[1]) then
        redis.call('ZADD', declared('index:received'), r[1], id)
        indexed = indexed + 1
        if r[2] == 'decided' and tonumber(r[3]) then
          redis.call('ZADD', declared('index:decided'), r[3], id)
        end
      end
    end
    if left == 0 then
      redis.call('SET', declared('index:backfill'), y .. ':' .. n)
      return {done = false, indexed = indexed}
    end
    y, n = y + 1, 0
  end
  redis.call('SET', declared('index:built'), '1')
  redis.call('DEL', declared('index:backfill'))
  return {done = true, indexed = indexed}
end)
