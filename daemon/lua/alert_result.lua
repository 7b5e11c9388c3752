-- alert_result: the outcomes of delivery attempts of alerts, many in one
-- step (alert_batch.c gathers them: one durable write for many). Each,
-- in its order: parts delivered are remembered (never sent again); when
-- nothing is left the alert is sent and acknowledged; after the last
-- attempt it is dead, acknowledged, listed, and a dead_letter alert goes
-- to the supervisors. Never dropped.
-- A referrer that no transport reaches is not "sent" to: the alert gets a
-- call-back task for the navigators (once, whatever the attempt), listed
-- by `mashctl callbacks` and closed by `mashctl called`; delivered, its
-- state is "callback".
-- Arguments: results, a list of attempts, each {id, now (ms), next_at
-- (ms: when to try again), max_attempts, error ("" when every part went),
-- done (the parts this attempt delivered: ["mail:staff", "hook:sms",
-- ...]), callback_due (ms: when the call is due; absent when the referrer
-- was reached or is not told), unstarted (true when the only parts that
-- failed are mails never handed to sendmail: no process was free in time,
-- or mashd was stopping), held (true when such a mail waited in vain for
-- a hung MTA: then next_at is when it is due again; alert_take.lua takes
-- it earlier once a mail is answered after a.now)}. Such an attempt spends
-- none: its parts delivered are remembered, it is pending, due at once
-- (at next_at when held), never dead; when nothing went, nothing else is
-- written (no audit event), and its error is kept only when no earlier
-- attempt left one. Every attempt writes the alert's field held: when it
-- was held (ms), 0 when it is not (an attempt that is not held clears it,
-- where it was set).
-- Answer: {states}, one per attempt in its order: "sent", "callback",
-- "pending" or "dead".
-- KEYS: outbox dead events callback:seq callbacks
-- KEYS: stats queue overdue
-- (An alert's delivery changes no timer of its referral: its audit events
-- are audit_event()s, which leave the overdue figures as they are.)
-- Keys from data: alert:<id> and alert:<id>:done of each attempt (its id
-- is an outbox entry's), ref:<ref>:audit (the alert's referral),
-- callback:<n> (the task INCR numbers, or the alert names).
local p = ARGV[1]

-- One attempt: its parts delivered remembered, then its outcome
-- (alert_outcome in lib.lua, which submit.lua shares).
local function record(a)
  local key = from_data('alert:' .. a.id)
  if a.done and #a.done > 0 then
    redis.call('SADD', from_data('alert:' .. a.id .. ':done'),
               unpack(a.done))
  end
  local attempts
  local held = a.unstarted and a.held and a.now or 0
  if a.unstarted then
    local next_at = held > 0 and a.next_at or a.now
    if not (a.done and #a.done > 0) then
      -- The last error of an attempt that was spent stays: it is why
      -- the alert is still pending, not a mail that never started.
      if (redis.call('HGET', key, 'last_error') or '') == '' then
        redis.call('HSET', key, 'state', 'pending', 'next_at', next_at,
                   'held', held, 'last_error', a.error)
      else
        redis.call('HSET', key, 'state', 'pending', 'next_at', next_at,
                   'held', held)
      end
      return 'pending'
    end
    attempts = tonumber(redis.call('HGET', key, 'attempts') or '0') or 0
    a.next_at, a.max_attempts = next_at, attempts + 1
  else
    attempts = redis.call('HINCRBY', key, 'attempts', 1)
  end
  local f = redis.call('HMGET', key, 'event', 'ref', 'callback', 'held')
  local extra
  if held > 0 or (tonumber(f[4] or '0') or 0) > 0 then
    extra = {'held', held}
  end
  return alert_outcome(p, a, {event = f[1] or '', ref = f[2] or '',
                              task = f[3] or nil, attempts = attempts},
                       extra)
end

return serve(function(a)
  local states = {}
  for i, r in ipairs(a.results) do states[i] = record(r) end
  return {states = states}
end)
