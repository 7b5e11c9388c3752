-- fill.lua: the benchmark's loader (tools/mash-bench): `count` copies of
-- referral `template` (submitted by POST), written as submit.lua writes a
-- referral: its hash (a reference of its own, the same record), the
-- queue, index:received, the due set, and its submit event, chained into
-- the audit and counted for /metrics by lib.lua's audit().
-- Each copy's times are its own, as on a hub, where no two referrals
-- share a time: the copy numbered k after the template is received k *
-- spread ms after it, and every time of its hash (received, updated, and
-- each timer's due:, start:, fired: and stopped:), its due-set entries,
-- its index:received entry, its audit event and its queue score (which
-- submit.lua makes of its due times) are the template's shifted by the
-- same k * spread (the working calendar not applied: no two copies share
-- a time, and none falls due before the template's own first deadline).
-- queue.lua keeps a call's repeated parts once (its once()): copies that
-- shared the template's times made each of those a hit.
-- Not written: the outbox's acknowledgement (mashd would deliver each)
-- and the idempotency key (it expires). mash-bench puts words.lua and
-- lib.lua in front, as tools/lua2c.sh does for mashd's scripts, and calls
-- it in batches: far faster than as many POSTs.
-- ARGV: prefix, {template, year, count, spread (ms between one copy's
-- times and the next's; 1 by default)}.
local p = ARGV[1]
for _, k in ipairs({'queue', 'index:received', 'due', 'events',
                    'events:head', 'stats', 'overdue'}) do
  DECLARED[p .. k] = true
end

-- The fields of a referral's hash that hold an instant (ms).
local function is_time(name)
  return name == 'received' or name == 'updated' or
         string.find(name, '^due:') or string.find(name, '^start:') or
         string.find(name, '^fired:') or string.find(name, '^stopped:')
end

return serve(function(a)
  DECLARED[p .. 'seq:' .. a.year] = true
  local t = redis.call('HGETALL', from_data('ref:' .. a.template))
  local score = tonumber(redis.call('ZSCORE', declared('queue'), a.template))
  local first = tonumber(string.match(a.template, '(%d+)$'))
  local spread = a.spread or 1
  -- f: the copy's fields; times: {place in f, the template's value}.
  local f, times, timers, r = {}, {}, {}, {}
  for i = 1, #t, 2 do
    r[t[i]] = t[i + 1]
    f[#f + 1] = t[i]
    f[#f + 1] = t[i + 1]
    if is_time(t[i]) and tonumber(t[i + 1]) then
      times[#times + 1] = {#f, tonumber(t[i + 1])}
    end
    local name = string.match(t[i], '^due:(.+)$')
    if name then timers[#timers + 1] = {name, tonumber(t[i + 1])} end
  end
  local names = {}
  for _, tm in ipairs(timers) do names[#names + 1] = tm[1] end
  local received = tonumber(r.received)
  local last
  for _ = 1, a.count do
    local n = redis.call('INCR', declared('seq:' .. a.year))
    local id = string.format(REF_FORMAT, a.year, n)
    -- Numbered after the template whatever the call: no two copies of
    -- any call share an offset.
    local shift = (n - first) * spread
    for i = 1, #f, 2 do
      if f[i] == 'id' then f[i + 1] = id end
      if f[i] == 'idempotency_key' then f[i + 1] = 'bench-' .. n end
    end
    for _, tm in ipairs(times) do
      f[tm[1]] = string.format('%.0f', tm[2] + shift)
    end
    redis.call('HSET', from_data('ref:' .. id), unpack(f))
    redis.call('ZADD', declared('queue'), string.format('%.0f', score + shift),
               id)
    local at = string.format('%.0f', received + shift)
    redis.call('ZADD', declared('index:received'), at, id)
    for _, tm in ipairs(timers) do
      redis.call('ZADD', declared('due'), string.format('%.0f', tm[2] + shift),
                 id .. ':' .. tm[1])
    end
    audit(p, id, at, r.client or 'web-form', 'submit',
          'channel=' .. (r.channel or 'web') .. ' brag=' .. (r.brag or '') ..
          ' timers=' .. table.concat(names, ',') .. ' agency=')
    last = id
  end
  return {last = last}
end)
