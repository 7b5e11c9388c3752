-- metrics: mashd's figures for GET /metrics, mashctl status and systemd's
-- STATUS= line, read in one step.
-- Arguments: scan_max.
-- Answer: {figures = [{group, label, value}]}:
--   queue    <brag>     open referrals by rating (the queue's score rank)
--   overdue  <timer>    open referrals whose timer fired and is not stopped
--   alerts   pending    alerts not yet delivered: new, or waiting to retry
--   alerts   dead       dead letters
--   callbacks open      call-back tasks not yet closed
--   damaged  deferred   timers deferred for a damaged record (fire.lua)
--   alerts   sent, callback, requeued } counters kept in Redis by the
--   taken    <channel>  referrals     } scripts that audit each (below)
--   fired    <timer>    timers fired  }
--   events   total      entries in the audit stream
--
-- Every figure is read in O(1) (ZCOUNT in O(log n)): the scripts that
-- change them keep the counters as they go (lib.lua: audit() keeps the
-- counters of {prefix}stats and the overdue referrals of
-- {prefix}overdue), so a scrape reads no referral and no stream.
--
-- A store written by a mashd older than the counters holds, in stats, the
-- counts of the events up to the entry its field "cursor" names (or none
-- at all). Until stats has the field "counting", each call first counts
-- the events after the cursor (at most scan_max, the rest next time, by
-- the rule audit() counts by); the call that reaches the end of the stream
-- sets "counting", from when audit() counts, and counts each open
-- referral's overdue timers once. Atomic, so no event is counted twice.
-- KEYS: queue outbox dead callbacks events stats overdue due:damaged
-- Keys from data: ref:<id> of each referral in the queue, once.
local p = ARGV[1]

-- The events after the cursor, once; true when the store is counted.
local function catch_up(scan_max)
  local stats = declared('stats')
  if redis.call('HEXISTS', stats, 'counting') == 1 then return true end
  local cursor = redis.call('HGET', stats, 'cursor')
  local entries = redis.call('XRANGE', declared('events'),
                             cursor and ('(' .. cursor) or '-', '+',
                             'COUNT', scan_max)
  local add = {}
  for _, e in ipairs(entries) do
    local f = {}
    for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
    local field = metrics_field(f.action or '', f.detail or '')
    if field then add[field] = (add[field] or 0) + 1 end
  end
  for field, n in pairs(add) do redis.call('HINCRBY', stats, field, n) end
  if #entries > 0 then
    redis.call('HSET', stats, 'cursor', entries[#entries][1])
  end
  if #entries == scan_max then return false end
  -- The overdue counts start again from the referrals themselves.
  for _, t in ipairs(DEADLINES) do
    redis.call('HDEL', stats, 'overdue:' .. t)
  end
  redis.call('DEL', declared('overdue'))
  for _, id in ipairs(redis.call('ZRANGE', declared('queue'), 0, -1)) do
    metrics_sync(p, id)
  end
  redis.call('HDEL', stats, 'cursor')
  redis.call('HSET', stats, 'counting', '1')
  return true
end

return serve(function(a)
  local width = QUEUE_RANK_WIDTH
  local out = {}
  local function put(group, label, value)
    out[#out + 1] = {group = group, label = label, value = value}
  end

  catch_up(a.scan_max)
  local q = declared('queue')
  for rank = 0, #BRAGS - 1 do
    put('queue', BRAGS[rank + 1],
        redis.call('ZCOUNT', q, rank * width, '(' .. ((rank + 1) * width)))
  end

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
  put('damaged', 'deferred',
      call_undamaged('SCARD', declared('due:damaged')) or 0)

  local all = redis.call('HGETALL', declared('stats'))
  for i = 1, #all, 2 do
    local group, label = string.match(all[i], '^(%w+):(.+)$')
    if group then put(group, label, tonumber(all[i + 1])) end
  end

  put('events', 'total', redis.call('XLEN', declared('events')))
  return {figures = out}
end)
