-- fire: claim the timers that are due by Redis's clock and record their
-- firing. Removing a member from the due set and recording the firing
-- happen in this one call, so each timer fires exactly once however many
-- mashd processes share the Redis, and whether or not one crashes mid-way.
-- "Now" is Redis's TIME, never the caller's clock: a mashd whose clock is
-- fast fires nothing early, for itself or any other.
-- Arguments: limit (timers claimed at most).
-- Answer: {now, fired = [{id, timer, due, brag, late, event}], next}:
-- times and late in ms, as strings; next is the earliest due time left in
-- the due set (at most now when more is due than the limit took), absent
-- when none is left. The instant a timer fired is `now`, Redis's clock
-- when it was claimed, recorded with its due time in its audit event.
-- KEYS: due events outbox queue stats overdue
-- Keys from data: ref:<id> and ref:<id>:audit of each timer due.
local p = ARGV[1]
return serve(function(a)
  local now_s = redis_now()
  local now = tonumber(now_s)
  local due = redis.call('ZRANGEBYSCORE', declared('due'), '-inf', now_s,
                         'WITHSCORES', 'LIMIT', 0, a.limit)
  local fired = {}
  for i = 1, #due, 2 do
    local member, at = due[i], tonumber(due[i + 1])
    redis.call('ZREM', declared('due'), member)
    local id, timer = string.match(member,
                                   '^(' .. REF_PATTERN .. '):([%w_]+)$')
    local key = id and from_data('ref:' .. id)
    if key and redis.call('EXISTS', key) == 1
       and not redis.call('HGET', key, 'stopped:' .. timer) then
      local brag = redis.call('HGET', key, 'brag') or ''
      local at_s = string.format('%.0f', at)
      local late_s = string.format('%.0f', now - at)
      redis.call('HSET', key, 'fired:' .. timer, now_s)
      audit(p, id, now_s, 'mashd', 'fire',
            'timer=' .. timer .. ' due=' .. at_s .. ' late_ms=' .. late_s)
      -- The warning tells of the decision: its due time is the decision's.
      local shown = at_s
      -- The screening's second stage tells of the screening missed.
      if timer == TIMER.DECISION_WARNING then
        shown = redis.call('HGET', key, 'due:' .. TIMER.DECISION) or at_s
      elseif timer == TIMER.SCREENING_ESCALATE then
        shown = redis.call('HGET', key, 'due:' .. TIMER.SCREENING) or at_s
      end
      -- A rung of the reminder ladder tells of the decision missed, and
      -- which reminder it is; every staff alert says how late and who
      -- holds the referral (a login name, never the child's data).
      local rung = nil
      if timer == TIMER.OVERDUE_REMINDER then
        shown = redis.call('HGET', key, 'due:' .. TIMER.DECISION) or at_s
        rung = redis.call('HGET', key, 'rung:' .. timer) or '1'
      end
      local event = TIMER_EVENT[timer] or timer
      local extra = {}
      if rung then extra = {'rung', rung} end
      queue_alert(p, event, id, now_s, 'timer', timer, 'brag', brag,
                  'due', shown, 'overdue_ms',
                  string.format('%.0f', now - tonumber(shown)),
                  'holder', redis.call('HGET', key, 'owner') or '',
                  unpack(extra))
      queue_changed(id)
      fired[#fired + 1] = {id = id, timer = timer, due = at_s, brag = brag,
                           late = late_s, event = event, rung = rung}
    end
  end
  local first = redis.call('ZRANGE', declared('due'), 0, 0, 'WITHSCORES')
  return {now = now_s, fired = fired, next = first[2]}
end)
