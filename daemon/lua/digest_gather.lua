-- digest_gather: what the supervisors' daily digest tells (digest.c), as
-- references, logins, times and counts, never a record's personal data.
-- Reads only: the digest is written, once per local date, by digest.lua.
-- Arguments: since (ms: escalations and dead letters since then when no
-- digest was sent before), max (items listed per part; all are counted),
-- scan (audit events looked back through at most).
-- Answer: {now (Redis's clock, ms), last_at (the last digest's instant,
-- "" for none), head (the audit stream's last id, ""), held_last (the
-- last held alert read, ""), and per part a count and a list:
-- overdue (+ overdue_n) [{id, holder, due, brag}], the decisions overdue,
-- most late first; written (+ written_n) [{id, due}]; escalations
-- (+ escalations_n, escalations_partial) [{id, at}]; callbacks
-- (+ callbacks_n) [{ref, due}]; dead (+ dead_n, dead_total) [{ref,
-- event, at}]; held (+ held_n) [{event, ref, brag, at}]}.
-- KEYS: overdue digest:last digest:held events callbacks dead
-- Keys from data: ref:<id> of each referral overdue, callback:<n> of
-- each open task, alert:<id> of each dead letter.
local p = ARGV[1]
local D, W, E = TIMER.DECISION, TIMER.WRITTEN, TIMER.ESCALATION
return serve(function(a)
  local out = {now = redis_now()}
  local max = tonumber(a.max)
  local last = redis.call('HMGET', declared('digest:last'), 'at', 'eid')
  out.last_at = last[1] or ''
  local since = tonumber(last[1] or a.since)
  out.head = redis.call('HGET', declared('events:head'), 'id') or ''

  -- Decisions overdue and written confirmations missing: the overdue
  -- hash names each open referral with the timers it is overdue for.
  local od, wr = {}, {}
  local h = redis.call('HGETALL', declared('overdue'))
  for i = 1, #h, 2 do
    local id, timers = h[i], ' ' .. h[i + 1] .. ' '
    local v = redis.call('HMGET', from_data('ref:' .. id), 'owner',
                         'due:' .. D, 'brag', 'due:' .. W)
    if string.find(timers, ' ' .. D .. ' ', 1, true) then
      od[#od + 1] = {id = id, holder = v[1] or '', due = v[2] or '',
                     brag = v[3] or ''}
    end
    if string.find(timers, ' ' .. W .. ' ', 1, true) then
      wr[#wr + 1] = {id = id, due = v[4] or ''}
    end
  end
  local function by_due(x, y)
    if x.due ~= y.due then return (tonumber(x.due) or 0) < (tonumber(y.due) or 0) end
    return x.id < y.id
  end
  table.sort(od, by_due)
  table.sort(wr, by_due)
  local function cut(list)
    local c = {}
    for i = 1, math.min(#list, max) do c[i] = list[i] end
    return c
  end
  out.overdue, out.overdue_n = cut(od), #od
  out.written, out.written_n = cut(wr), #wr

  -- Escalations fired since the last digest, newest first in the stream:
  -- back from its end to the last digest's head (or `since`).
  local esc, seen, partial = {}, 0, false
  local upto, stop = '+', last[2]
  local events = declared('events')
  while true do
    local page = redis.call('XREVRANGE', events, upto, '-', 'COUNT', 500)
    if #page == 0 then break end
    local done = false
    for _, e in ipairs(page) do
      if stop and e[1] == stop then done = true break end
      local f = {}
      for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
      if not stop and (tonumber(f.at) or 0) < since then done = true break end
      if f.action == 'fire' and
         string.find(f.detail or '', 'timer=' .. E .. ' ', 1, true) == 1 then
        esc[#esc + 1] = {id = f.ref, at = f.at}
      end
      seen = seen + 1
      if seen >= tonumber(a.scan) then partial, done = true, true break end
    end
    if done or #page < 500 then break end
    upto = '(' .. page[#page][1]
  end
  table.sort(esc, function(x, y) return x.at < y.at end)
  out.escalations, out.escalations_n = cut(esc), #esc
  out.escalations_partial = partial

  -- Open call-back tasks, soonest due first.
  local cb = {}
  local tasks = redis.call('ZRANGE', declared('callbacks'), 0, max - 1,
                           'WITHSCORES')
  for i = 1, #tasks, 2 do
    cb[#cb + 1] = {ref = redis.call('HGET', from_data('callback:' ..
                                    tasks[i]), 'ref') or '',
                   due = tasks[i + 1]}
  end
  out.callbacks = cb
  out.callbacks_n = redis.call('ZCARD', declared('callbacks'))

  -- Dead letters since the last digest, and in all.
  local dead = {}
  local d = redis.call('ZRANGEBYSCORE', declared('dead'), '(' .. since,
                       '+inf', 'WITHSCORES')
  for i = 1, #d, 2 do
    if #dead < max then
      local v = redis.call('HMGET', from_data('alert:' .. d[i]), 'ref',
                           'event')
      dead[#dead + 1] = {ref = v[1] or '', event = v[2] or '',
                         at = d[i + 1]}
    end
  end
  out.dead, out.dead_n = dead, #d / 2
  out.dead_total = redis.call('ZCARD', declared('dead'))

  -- The staff alerts held for this digest (alerts.digest).
  local held = {}
  local hs = redis.call('XRANGE', declared('digest:held'), '-', '+')
  out.held_last = ''
  for _, e in ipairs(hs) do
    local f = {}
    for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
    if #held < max then
      held[#held + 1] = {event = f.event or '', ref = f.ref or '',
                         brag = f.brag or '', at = f.at or ''}
    end
    out.held_last = e[1]
  end
  out.held, out.held_n = held, #hs
  return out
end)
