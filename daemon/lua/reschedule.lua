-- reschedule: new due times for the timers of a page of referrals after
-- a reload (SIGHUP; recompute.c), in one step. A timer moves only when
-- its due time changed, it has neither fired nor stopped, and it still
-- runs from the start its new due time was worked out from: one started
-- again since its page was read (a re-rating, a reopening) was given its
-- due time by what started it, and is left as it is. Each move is
-- audited, and a referral moved keeps its place in the queue by its
-- deadlines as they now stand.
-- Arguments: actor, at (ms), items: [{id, timers: [{timer, due, start}]}]:
-- due times and starts (each as timers.lua answered it) in ms, as
-- strings.
-- Each call first puts back into the due set the timers held for a
-- damaged record (fire.lua) whose record is a hash again (restored from
-- a backup), at the due time they were held with, each audited
-- (action "restore"); those of a referral gone are dropped.
-- Answer: {moved (timers moved in all), items: [{id, moved, kept}]: each
-- referral with a timer moved (moved) or left as started again (kept, the
-- timers' names separated by spaces), restored [{id, timer, due}]}.
-- KEYS: due due:damaged queue events
-- Keys from data: ref:<id> and ref:<id>:audit of each referral of items
-- and of each timer held.
local p = ARGV[1]

-- Does timer t of the referral at key still run from the start its new
-- due time was worked out from, neither fired nor stopped?
local function still_runs(key, t)
  local v = call_undamaged('HMGET', key, 'due:' .. t.timer,
                           'fired:' .. t.timer, 'stopped:' .. t.timer,
                           'start:' .. t.timer)
  -- Damaged since its page was read (lib.lua): nothing moves.
  if not v or not v[1] or v[2] or v[3] then return nil, false end
  -- A start recorded other than the one read: started again meanwhile.
  -- (A timer with none recorded ran from receipt or its last re-rating,
  -- as timers.lua read it; what starts one again records its start.)
  if v[4] and v[4] ~= t.start then return nil, true end
  return v[1], false
end

-- One referral's timers: how many moved, and those left as started again.
local function reschedule(b, a, e)
  local key, moved, kept = from_data('ref:' .. e.id), 0, {}
  if redis.call('EXISTS', key) == 0 then return 0, kept end
  for _, t in ipairs(e.timers) do
    local old, again = still_runs(key, t)
    if again then kept[#kept + 1] = t.timer end
    if old and old ~= t.due then
      redis.call('HSET', key, 'due:' .. t.timer, t.due)
      redis.call('ZADD', declared('due'), t.due, e.id .. ':' .. t.timer)
      batch_audit(b, p, e.id, a.at, a.actor, 'reschedule',
                  'timer=' .. t.timer .. ' from=' .. old .. ' to=' .. t.due)
      moved = moved + 1
    end
  end
  if moved > 0 then
    -- A screening stopped (the referral screened, or decided and
    -- reopened) no longer places it: its decision does, as screen.lua
    -- and reopen.lua place it.
    local v = redis.call('HMGET', key, 'brag', 'due:' .. TIMER.DECISION,
                         'due:' .. TIMER.SCREENING, 'received',
                         'stopped:' .. TIMER.SCREENING)
    if v[1] and BRAG_RANK[v[1]] then
      redis.call('ZADD', declared('queue'), 'XX',
                 queue_score(v[1], v[2], not v[5] and v[3] or nil, v[4]),
                 e.id)
    end
  end
  return moved, kept
end

-- The held timers whose record is whole again, back into the due set
-- (at most 100 a call: a reload makes a call a page, and reloads again).
local MEMBER = '^(' .. REF_PATTERN .. '):([%w_]+)$'
local function put_back_held(b, a)
  local held, back = declared('due:damaged'), {}
  local h = redis.call('ZRANGE', held, 0, 99, 'WITHSCORES')
  for i = 1, #h, 2 do
    local id, timer = string.match(h[i], MEMBER)
    local is = false -- a member not of mashd's making: dropped
    if id then is = key_is(from_data('ref:' .. id), 'hash') end
    if is ~= nil then -- a hash again, or gone
      redis.call('ZREM', held, h[i])
    end
    if is then
      redis.call('ZADD', declared('due'), 'NX', h[i + 1], h[i])
      batch_audit(b, p, id, a.at, a.actor, 'restore',
                  'timer=' .. timer .. ' due=' .. h[i + 1] .. ': held ' ..
                  'while its record was damaged, due again')
      back[#back + 1] = {id = id, timer = timer, due = h[i + 1]}
    end
  end
  return back
end

return serve(function(a)
  local b, moved, out = batch_open(), 0, {}
  local restored = put_back_held(b, a)
  for _, e in ipairs(a.items) do
    local n, kept = reschedule(b, a, e)
    moved = moved + n
    if n > 0 or #kept > 0 then
      out[#out + 1] = {id = e.id, moved = n, kept = table.concat(kept, ' ')}
    end
  end
  batch_close(b)
  return {moved = moved, items = out, restored = restored}
end)
