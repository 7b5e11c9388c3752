-- metrics: mashd's figures for GET /metrics, mashctl status and systemd's
-- STATUS= line, read in one step.
-- Arguments: scan_max.
-- Answer: {figures = [{group, label, value}]}:
--   queue    <brag>     open referrals by rating (the queue's score rank)
--   overdue  <timer>    open referrals whose timer fired and is not stopped
--   alerts   pending    alerts not yet delivered: new, or waiting to retry
--   alerts   dead       dead letters
--   callbacks open      call-back tasks not yet closed
--   alerts   sent, callback, requeued } counters kept in Redis, counted
--   taken    <channel>  referrals     } from the audit stream (below)
--   fired    <timer>    timers fired  }
--   events   total      entries in the audit stream
--
-- Counters that must survive a restart of mashd live in Redis. The events
-- stream is the record of everything that happened, so the counters are
-- counted from it: {prefix}stats holds each count and the id of the last
-- entry counted, and each call counts only the entries after it (at most
-- scan_max; the rest next time). Atomic, so several mashd never count an
-- entry twice. What it reads: submit (detail channel=C), fire (timer=T),
-- alert (state=sent, state=callback) and alert_retry entries.
-- KEYS: queue outbox dead callbacks events stats
-- Keys from data: ref:<id> of each referral in the queue.
local p = ARGV[1]
return serve(function(a)
  local width, scan_max = QUEUE_RANK_WIDTH, a.scan_max
  local out = {}
  local function put(group, label, value)
    out[#out + 1] = {group = group, label = label, value = value}
  end

  local q = declared('queue')
  for rank = 0, #BRAGS - 1 do
    put('queue', BRAGS[rank + 1],
        redis.call('ZCOUNT', q, rank * width, '(' .. ((rank + 1) * width)))
  end

  local timers = DEADLINES
  local fields = {}
  for _, t in ipairs(timers) do
    fields[#fields + 1] = 'fired:' .. t
    fields[#fields + 1] = 'stopped:' .. t
  end
  local overdue = {0, 0, 0, 0}
  for _, id in ipairs(redis.call('ZRANGE', q, 0, -1)) do
    local v = redis.call('HMGET', from_data('ref:' .. id), unpack(fields))
    for i = 1, #timers do
      if v[2 * i - 1] and not v[2 * i] then overdue[i] = overdue[i] + 1 end
    end
  end
  for i, t in ipairs(timers) do put('overdue', t, overdue[i]) end

  -- The outbox's consumer group knows what no mashd has taken yet (lag) and
  -- what is taken but not acknowledged (pending: delivering or retrying).
  local outbox = declared('outbox')
  local waiting = redis.call('XLEN', outbox)
  local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', outbox)
  if ok then
    for _, g in ipairs(groups) do
      local f = {}
      for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
      if f.name == 'mashd' then
        local lag = f.lag
        if type(lag) ~= 'number' then -- Redis cannot tell: count them
          lag = #redis.call('XRANGE', outbox,
                            '(' .. f['last-delivered-id'], '+')
        end
        waiting = lag + f.pending
      end
    end
  end
  put('alerts', 'pending', waiting)
  put('alerts', 'dead', redis.call('ZCARD', declared('dead')))
  put('callbacks', 'open', redis.call('ZCARD', declared('callbacks')))

  local stats = declared('stats')
  local cursor = redis.call('HGET', stats, 'cursor')
  local entries = redis.call('XRANGE', declared('events'),
                             cursor and ('(' .. cursor) or '-', '+',
                             'COUNT', scan_max)
  local add = {}
  local function count(field)
    add[field] = (add[field] or 0) + 1
  end
  for _, e in ipairs(entries) do
    local f = {}
    for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
    local detail = f.detail or ''
    if f.action == 'submit' then
      count('taken:' .. (string.match(detail, 'channel=(%S+)') or 'unknown'))
    elseif f.action == 'fire' then
      count('fired:' .. (string.match(detail, 'timer=(%S+)') or 'unknown'))
    elseif f.action == 'alert' and string.match(detail, 'state=sent') then
      count('alerts:sent')
    elseif f.action == 'alert' and
        string.match(detail, 'state=callback') then
      count('alerts:callback')
    elseif f.action == 'alert_retry' then
      count('alerts:requeued')
    end
  end
  for field, n in pairs(add) do redis.call('HINCRBY', stats, field, n) end
  if #entries > 0 then
    redis.call('HSET', stats, 'cursor', entries[#entries][1])
  end
  local all = redis.call('HGETALL', stats)
  for i = 1, #all, 2 do
    local group, label = string.match(all[i], '^(%w+):(.+)$')
    if group then put(group, label, tonumber(all[i + 1])) end
  end

  put('events', 'total', redis.call('XLEN', declared('events')))
  return {figures = out}
end)
