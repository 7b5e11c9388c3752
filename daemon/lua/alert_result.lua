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
-- was reached or is not told)}.
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

local function record(a)
  local key = from_data('alert:' .. a.id)
  local outbox = declared('outbox')
  if a.done and #a.done > 0 then
    redis.call('SADD', from_data('alert:' .. a.id .. ':done'),
               unpack(a.done))
  end
  local attempts = redis.call('HINCRBY', key, 'attempts', 1)
  local f = redis.call('HMGET', key, 'event', 'ref', 'callback')
  local event, ref, task = f[1] or '', f[2] or '', f[3] or nil
  local new_task = {} -- written with the state below: one HSET
  if a.callback_due and not task then
    task = tostring(redis.call('INCR', declared('callback:seq')))
    redis.call('HSET', from_data('callback:' .. task), 'id', task, 'ref', ref,
               'event', event, 'alert', a.id, 'created', a.now,
               'due', a.callback_due, 'state', 'open')
    redis.call('ZADD', declared('callbacks'), a.callback_due, task)
    new_task = {'callback', task}
    audit_event(p, ref, a.now, 'mashd', 'callback',
                'task=' .. task .. ' alert=' .. a.id .. ' event=' ..
                event .. ': no transport reaches the referrer; call them')
  end
  local state
  if a.error == '' then
    state = task and 'callback' or 'sent'
    redis.call('HSET', key, 'state', state, 'sent', a.now, 'last_error', '',
               unpack(new_task))
    redis.call('XACK', outbox, 'mashd', a.id)
  elseif attempts >= a.max_attempts then
    state = 'dead'
    redis.call('HSET', key, 'state', state, 'dead', a.now,
               'last_error', a.error, unpack(new_task))
    redis.call('XACK', outbox, 'mashd', a.id)
    redis.call('ZADD', declared('dead'), a.now, a.id)
    if event ~= EVENT.DEAD_LETTER then
      queue_alert(p, EVENT.DEAD_LETTER, ref, a.now, 'of', a.id,
                  'of_event', event, 'attempts', attempts,
                  'error', a.error)
    end
  else
    state = 'pending'
    redis.call('HSET', key, 'state', state, 'next_at', a.next_at,
               'last_error', a.error, unpack(new_task))
  end
  audit_event(p, ref, a.now, 'mashd', 'alert',
              'alert=' .. a.id .. ' event=' .. event .. ' state=' ..
              state .. ' attempts=' .. attempts)
  return state
end

return serve(function(a)
  local states = {}
  for i, r in ipairs(a.results) do states[i] = record(r) end
  return {states = states}
end)
