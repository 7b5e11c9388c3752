-- reschedule: new due times for the timers of a page of referrals after
-- a reload (SIGHUP; recompute.c), in one step. A timer moves only when
-- its due time changed, it has neither fired nor stopped, and it still
-- runs from the start its new due time was worked out from: one started
-- again since its page was read (a re-rating, a reopening) was given its
-- due time by what started it, and is left as it is. Each move is
-- audited, and a referral moved keeps its place in the queue by its
-- deadlines as they now stand. A timer deferred while its record was
-- damaged (fire.lua: in due:damaged, due again an hour on) whose record
-- reads again goes back to the due time the record gives, which fires it
-- at once if past.
-- Arguments: actor, at (ms), items: [{id, timers: [{timer, due, start}]}]:
-- due times and starts (each as timers.lua answered it) in ms, as
-- strings.
-- Answer: {moved (timers moved in all), items: [{id, moved, kept}]: each
-- referral with a timer moved (moved) or left as started again (kept, the
-- timers' names separated by spaces)}.
-- KEYS: due due:damaged queue events
-- Keys from data: ref:<id> and ref:<id>:audit of each referral of items.
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

-- deferred: is `member` deferred for a damaged record? due:damaged is
-- read once a call, and each member only when it holds any.
local DEFERRED = nil
local function deferred(member)
  if DEFERRED == nil then
    DEFERRED = call_undamaged('SCARD', declared('due:damaged')) or 0
  end
  return DEFERRED > 0 and
         redis.call('SISMEMBER', declared('due:damaged'), member) == 1
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
    elseif old and deferred(e.id .. ':' .. t.timer) then
      redis.call('ZADD', declared('due'), 'XX', old, e.id .. ':' .. t.timer)
      batch_audit(b, p, e.id, a.at, a.actor, 'reschedule',
                  'timer=' .. t.timer .. ' to=' .. old .. ': deferred ' ..
                  'while its record was damaged')
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

return serve(function(a)
  local b, moved, out = batch_open(), 0, {}
  for _, e in ipairs(a.items) do
    local n, kept = reschedule(b, a, e)
    moved = moved + n
    if n > 0 or #kept > 0 then
      out[#out + 1] = {id = e.id, moved = n, kept = table.concat(kept, ' ')}
    end
  end
  batch_close(b)
  return {moved = moved, items = out}
end)
