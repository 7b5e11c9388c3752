-- fill.lua: the benchmark's loader (tools/mash-bench): `count` copies of
-- referral `template` (submitted by POST), written as submit.lua writes a
-- referral: its hash (a reference of its own, the same record and due
-- times), the queue, index:received, the due set, and its submit event,
-- chained into the audit and counted for /metrics by lib.lua's audit().
-- Not written: the outbox's acknowledgement (mashd would deliver each)
-- and the idempotency key (it expires). mash-bench puts words.lua and
-- lib.lua in front, as tools/lua2c.sh does for mashd's scripts, and calls
-- it in batches: far faster than as many POSTs.
-- ARGV: prefix, {template, year, count, spread (ms between the copies'
-- queue scores)}.
local p = ARGV[1]
for _, k in ipairs({'queue', 'index:received', 'due', 'events',
                    'events:head', 'stats', 'overdue'}) do
  DECLARED[p .. k] = true
end

return serve(function(a)
  DECLARED[p .. 'seq:' .. a.year] = true
  local t = redis.call('HGETALL', from_data('ref:' .. a.template))
  local score = tonumber(redis.call('ZSCORE', declared('queue'), a.template))
  local f, timers, r = {}, {}, {}
  for i = 1, #t, 2 do
    r[t[i]] = t[i + 1]
    f[#f + 1] = t[i]
    f[#f + 1] = t[i + 1]
    local name = string.match(t[i], '^due:(.+)$')
    if name then timers[#timers + 1] = {name, t[i + 1]} end
  end
  local names = {}
  for _, tm in ipairs(timers) do names[#names + 1] = tm[1] end
  local last
  for _ = 1, a.count do
    local n = redis.call('INCR', declared('seq:' .. a.year))
    local id = string.format(REF_FORMAT, a.year, n)
    for i = 1, #f, 2 do
      if f[i] == 'id' then f[i + 1] = id end
      if f[i] == 'idempotency_key' then f[i + 1] = 'bench-' .. n end
    end
    redis.call('HSET', from_data('ref:' .. id), unpack(f))
    score = score + (a.spread or 1)
    redis.call('ZADD', declared('queue'), string.format('%.0f', score), id)
    redis.call('ZADD', declared('index:received'), r.received, id)
    for _, tm in ipairs(timers) do
      redis.call('ZADD', declared('due'), tm[2], id .. ':' .. tm[1])
    end
    audit(p, id, r.received, r.client or 'web-form', 'submit',
          'channel=' .. (r.channel or 'web') .. ' brag=' .. (r.brag or '') ..
          ' timers=' .. table.concat(names, ',') .. ' agency=')
    last = id
  end
  return {last = last}
end)
