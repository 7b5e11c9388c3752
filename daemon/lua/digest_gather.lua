-- digest_gather: the first page of what the supervisors' daily digest
-- tells (digest.c, digest_pages.c), as references, logins, times and
-- counts, never a record's personal data; it fixes the digest's window.
-- The parts that can be long are read after it, a page a call:
-- digest_overdue.lua, digest_escalations.lua and digest_held.lua, so no
-- call holds Redis for long. Reads only: the digest is written, once per
-- local date, by digest.lua.
-- Arguments: date (the digest's local date, "2026-11-30"), since (ms:
-- escalations and dead letters since then when no digest was sent
-- before), max (items listed per part; all are counted).
-- Answer: {sent = true} alone, having read nothing else, when the digest
-- of date was sent already (digest.lua claimed its key: by this mashd
-- before a restart, or by another); else {now (Redis's clock, ms), last_at (the last digest's instant,
-- "" for none), head (the audit chain's head, "", for digest.lua),
-- since (ms), stop (the last digest's head, ""), top (the audit stream's
-- last id now, "": escalations are read back from it), held_last (the
-- last held alert now, "": the held alerts told end there), callbacks
-- (+ callbacks_n) [{ref, due}], soonest due first; dead (+ dead_n,
-- dead_total) [{ref, event, at}], the dead letters since `since`;
-- damaged (+ damaged_n) [{ref, timer}], the timers deferred, not fired,
-- for a damaged or missing record (fire.lua), by reference}.
-- KEYS: digest:sent:$date digest:last events digest:held callbacks dead
-- KEYS: due:damaged
-- Keys from data: callback:<n> of each task listed, alert:<id> of each
-- dead letter listed.
local p = ARGV[1]
return serve(function(a)
  -- A mashd started on a day whose digest went out: nothing to gather
  -- (the day's audit trail, read page by page, only for digest.lua to
  -- answer that the date is taken).
  if redis.call('EXISTS', declared('digest:sent:' .. a.date)) == 1 then
    return {sent = true}
  end
  local out = {now = redis_now()}
  local max = tonumber(a.max)
  local last = redis.call('HMGET', declared('digest:last'), 'at', 'eid')
  out.last_at = last[1] or ''
  local since = tonumber(last[1] or a.since)
  out.since = string.format('%.0f', since)
  out.stop = last[2] or ''
  out.head = redis.call('HGET', declared('events:head'), 'id') or ''
  local top = redis.call('XREVRANGE', declared('events'), '+', '-', 'COUNT', 1)
  out.top = top[1] and top[1][1] or ''
  local hl = redis.call('XREVRANGE', declared('digest:held'), '+', '-',
                       'COUNT', 1)
  out.held_last = hl[1] and hl[1][1] or ''

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
  local d = redis.call('ZRANGEBYSCORE', declared('dead'), '(' .. out.since,
                       '+inf', 'WITHSCORES', 'LIMIT', 0, max)
  for i = 1, #d, 2 do
    local v = redis.call('HMGET', from_data('alert:' .. d[i]), 'ref', 'event')
    dead[#dead + 1] = {ref = v[1] or '', event = v[2] or '', at = d[i + 1]}
  end
  out.dead = dead
  out.dead_n = redis.call('ZCOUNT', declared('dead'), '(' .. out.since, '+inf')
  out.dead_total = redis.call('ZCARD', declared('dead'))

  -- Timers deferred for a damaged record: references and timers only.
  local deferred, dm = declared('due:damaged'), {}
  local h = call_undamaged('SORT', deferred, 'LIMIT', 0, max, 'ALPHA') or {}
  for _, m in ipairs(h) do
    local ref, timer = string.match(m, '^(.*):([^:]*)$')
    dm[#dm + 1] = {ref = ref or m, timer = timer or ''}
  end
  out.damaged = dm
  out.damaged_n = call_undamaged('SCARD', deferred) or 0
  return out
end)
