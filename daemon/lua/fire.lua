-- fire: claim the timers that are due by Redis's clock and record their
-- firing. Removing a member from the due set and recording the firing
-- happen in this one call, so each timer fires exactly once however many
-- mashd processes share the Redis, and whether or not one crashes mid-way.
-- "Now" is Redis's TIME, never the caller's clock: a mashd whose clock is
-- fast fires nothing early, for itself or any other.
-- Arguments: limit (timers claimed at most).
-- Answer: {now, fired = [{id, timer, due, brag, late, event}], next,
-- damaged = [{id, timer, due, why}] (absent when none)}:
-- times and late in ms, as strings; next is the earliest due time left in
-- the due set (at most now when more is due than the limit took), absent
-- when none is left; damaged, the timers deferred because their
-- referral's record is damaged (lib.lua) or missing (no referral is ever
-- removed, so a record gone is damage too): not fired, not dropped, as a
-- mail queue defers: each stays in the due set, due again an hour on
-- (DAMAGED_RECHECK_MS), is named in due:damaged (a set), said in the
-- audit and the answer at its first deferral only, and fires as any
-- other once its record reads again (restored from a backup), when the
-- record says it is due: if that is still ahead, it goes back in the due
-- set then. A timer the record says fired already for its due time is
-- not fired again (audited 'skip'). A member of due:damaged no longer in
-- the due set (stopped by another script) is dropped, 100 looked at a
-- call.
-- The instant a timer fired is `now`, Redis's clock when it was claimed,
-- recorded with its due time in its audit event.
-- The work of each audit() and queue_alert() that is the same for every
-- timer (the digest's setting, the counters of /metrics, the watchers'
-- notice, metrics_sync's walk) is done once a call, or not at all
-- (lib.lua's batch).
-- KEYS: due due:damaged events outbox queue stats overdue
-- Keys from data: ref:<id> and ref:<id>:audit of each timer due.
local p = ARGV[1]
-- What a firing reads of its referral, in one HMGET after stopped:<timer>.
-- (and then due:<timer> and fired:<timer>, the timer's own).
local WANT = {'brag', 'owner', 'due:' .. TIMER.DECISION,
              'due:' .. TIMER.SCREENING, 'rung:' .. TIMER.OVERDUE_REMINDER}
-- How long a timer whose record is damaged waits for another look.
local DAMAGED_RECHECK_MS = 3600000
-- A member of the due set: <reference>:<timer>.
local MEMBER = '^(' .. REF_PATTERN .. '):([%w_]+)$'

-- The answer's strings read from a referral (its BRAG, its rung) are
-- mended (lib.lua's utf8_mend()); its others are the due set's member,
-- matched by MEMBER, the words' and digits, so it is written without
-- serve()'s scan of its whole text (1.7 us a timer in batches of 500).

-- ms_text: ms as string.format('%.0f') writes them, by '%d' when they
-- are whole (Redis's clock and the due times mashd writes are), which
-- skips the C library's formatting of a double: 0.5 us, three a timer.
local floor = math.floor
local function ms_text(x)
  if x == floor(x) and x > -1e15 and x < 1e15 then
    return string.format('%d', x)
  end
  return string.format('%.0f', x)
end

-- How many members of due:damaged, read once a call (SCARD): the one
-- command of the hot path when none is deferred. A due:damaged of
-- another kind than a set (damaged) counts as none deferred: a deferral
-- then works through the due set alone (its score moved an hour on).
local DEFERRED = 0
local function damaged_call(cmd, ...)
  return call_undamaged(cmd, declared('due:damaged'), ...)
end

-- leaves_damaged: the timer `member` leaves due:damaged; true when it
-- was in it (deferred).
local function leaves_damaged(member)
  return DEFERRED > 0 and damaged_call('SREM', member) == 1
end

-- Members of due:damaged looked at a call for a timer stopped since it
-- was deferred (lib.lua's stop_timer takes it off the due set only).
local DAMAGED_SWEEP = 100
local function sweep_damaged()
  if DEFERRED == 0 then return end
  for _, m in ipairs(damaged_call('SRANDMEMBER', DAMAGED_SWEEP) or {}) do
    if not redis.call('ZSCORE', declared('due'), m) then
      damaged_call('SREM', m)
    end
  end
end

-- defer: the timer `member` (taken off the due set), due at `at`, whose
-- referral's record cannot be read (`why`), back in the due set an hour
-- on and named in due:damaged; the first deferral only (SADD adds it) is
-- audited, with its due time, and told in the answer: the later hourly
-- looks are silent (the gauge and the digest tell of them).
local DAMAGED = {}
local function defer(b, member, id, timer, at, now, now_s, why)
  local again = ms_text(now + DAMAGED_RECHECK_MS)
  redis.call('ZADD', declared('due'), again, member)
  if damaged_call('SADD', member) ~= 1 then return end
  DAMAGED[#DAMAGED + 1] = {id = id, timer = timer, due = ms_text(at),
                           why = why}
  batch_audit(b, p, '', now_s, 'mashd', 'damaged',
              'timer=' .. timer .. ' due=' .. ms_text(at) .. ' of ' .. id ..
              ' not fired: the referral\'s record is ' .. why ..
              '; looked at again at ' .. again)
end

-- fired_already: the record's fired:<timer> is at or after its
-- due:<timer>: this due time fired (a record restored from a backup
-- taken after it did). Not for the reminder ladder: its rungs re-arm
-- the same timer, and one caught up after mashd was away is due before
-- the rung before it fired.
local function fired_already(timer, due, fired)
  if timer == TIMER.OVERDUE_REMINDER then return false end
  due, fired = tonumber(due), tonumber(fired)
  return due ~= nil and fired ~= nil and fired >= due
end

-- fire_one: the timer `member`, due at `at`, fires at `now` (and the
-- answer's `fired` gets it) unless it stopped or fired already for its
-- due time; one whose referral's record is damaged or missing is
-- deferred.
local function fire_one(b, member, at, now, now_s, fired)
  local id, timer = string.match(member, MEMBER)
  if not id then return end -- not of mashd's making: dropped
  local key = from_data('ref:' .. id)
  local v = call_undamaged('HMGET', key, 'stopped:' .. timer, WANT[1],
                           WANT[2], WANT[3], WANT[4], WANT[5],
                           'due:' .. timer, 'fired:' .. timer)
  if not v then
    return defer(b, member, id, timer, at, now, now_s, 'damaged (not a hash)')
  end
  -- A referral's hash holds its BRAG: without one, it may be gone.
  if not (v[2] or redis.call('EXISTS', key) == 1) then
    return defer(b, member, id, timer, at, now, now_s, 'missing')
  end
  local deferred = leaves_damaged(member)
  if v[1] then return end
  if fired_already(timer, v[7], v[8]) then
    batch_audit(b, p, id, now_s, 'mashd', 'skip',
                'timer=' .. timer .. ' due=' .. v[7] .. ': fired at ' ..
                v[8] .. ' already')
    return
  end
  -- Deferred while its record was damaged: due when the restored record
  -- says, back in the due set if that is still ahead.
  local due = tonumber(v[7] or '')
  if deferred and due and due > now then
    redis.call('ZADD', declared('due'), ms_text(due), member)
    return
  elseif due and (deferred or due < at) then
    at = due
  end
  local brag = utf8_mend(v[2] or '')
  local at_s = ms_text(at)
  local late_s = ms_text(now - at)
  redis.call('HSET', key, 'fired:' .. timer, now_s)
  batch_audit(b, p, id, now_s, 'mashd', 'fire',
              'timer=' .. timer .. ' due=' .. at_s .. ' late_ms=' .. late_s)
  batch_fired(b, p, id, timer)
  -- The warning tells of the decision: its due time is the decision's.
  -- The screening's second stage tells of the screening missed. A rung
  -- of the reminder ladder tells of the decision missed, and which
  -- reminder it is; every staff alert says how late and who holds the
  -- referral (a login name, never the child's data).
  local shown, rung = nil, nil
  if timer == TIMER.DECISION_WARNING then
    shown = v[4]
  elseif timer == TIMER.SCREENING_ESCALATE then
    shown = v[5]
  elseif timer == TIMER.OVERDUE_REMINDER then
    shown, rung = v[4], utf8_mend(v[6] or '1')
  end
  shown = shown or at_s
  local overdue_s = late_s -- how late, when shown is the timer's own
  if shown ~= at_s or at ~= floor(at) then
    overdue_s = ms_text(now - tonumber(shown))
  end
  local event = TIMER_EVENT[timer] or timer
  local extra = {}
  if rung then extra = {'rung', rung} end
  queue_alert(p, event, id, now_s, 'timer', timer, 'brag', brag,
              'due', shown, 'overdue_ms', overdue_s,
              'holder', v[3] or '', unpack(extra))
  fired[#fired + 1] = {id = id, timer = timer, due = at_s, brag = brag,
                       late = late_s, event = event, rung = rung}
end

return serve_as(function(a)
  local now_s = redis_now()
  local now = tonumber(now_s)
  local due = redis.call('ZRANGEBYSCORE', declared('due'), '-inf', now_s,
                         'WITHSCORES', 'LIMIT', 0, a.limit)
  local fired = {}
  DEFERRED = damaged_call('SCARD') or 0
  if #due > 0 then
    -- Each timer leaves the due set as it fires, not the batch at once: a
    -- Redis or Lua error at one timer (not a damaged record: that one is
    -- deferred, above) ends the call with that one timer
    -- taken, and the rest of the batch still due for the next call, which
    -- mashd makes a second later. The watchers still hear of those fired
    -- before it.
    local b = batch_open()
    local ok, err = pcall(function()
      for i = 1, #due, 2 do
        redis.call('ZREM', declared('due'), due[i])
        fire_one(b, due[i], tonumber(due[i + 1]), now, now_s, fired)
      end
    end)
    batch_close(b)
    if not ok then error(err, 0) end
  end
  sweep_damaged()
  local first = redis.call('ZRANGE', declared('due'), 0, 0, 'WITHSCORES')
  return {now = now_s, fired = fired, next = first[2],
          damaged = #DAMAGED > 0 and DAMAGED or nil}
end, cjson.encode)
