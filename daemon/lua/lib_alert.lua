-- lib_alert.lua: the outcome of an alert's delivery attempt, shared by
-- alert_result.lua (each attempt) and submit.lua (an alert settled in the
-- call that stores its referral). The build puts it after lib.lua, whose
-- helpers it uses (audit_event, queue_alert), into one library.
--
-- alert_outcome: what one delivery attempt of alert a.id came to, written:
-- parts delivered are remembered elsewhere (alert_result.lua); here, a
-- referrer that no transport reaches gets a call-back task for the
-- navigators (once, whatever the attempt: a.callback_due set, f.task not
-- yet), then the alert's state in one HSET (with `extra`, more of its
-- fields), its acknowledgement once sent or dead, a dead letter's alert
-- to the supervisors, and its audit event. a is alert_result.lua's
-- attempt {id, now, next_at, max_attempts, error, callback_due}; f what
-- alert:<id> held: {event, ref, task (nil: none), attempts (with this
-- one)}; a.unread: never read into the pending list. alert_result.lua
-- records each attempt with it, and submit.lua an alert with nothing to
-- deliver, in its call. Answers "sent", "callback", "pending" or "dead".
local function alert_outcome(p, a, f, extra)
  local key, outbox = from_data('alert:' .. a.id), declared('outbox')
  local event, ref, task, attempts = f.event, f.ref, f.task, f.attempts
  local fields = extra or {} -- written with the state below: one HSET
  if a.callback_due and not task then
    task = tostring(redis.call('INCR', declared('callback:seq')))
    redis.call('HSET', from_data('callback:' .. task), 'id', task, 'ref', ref,
               'event', event, 'alert', a.id, 'created', a.now,
               'due', a.callback_due, 'state', 'open')
    redis.call('ZADD', declared('callbacks'), a.callback_due, task)
    fields[#fields + 1] = 'callback'
    fields[#fields + 1] = task
    audit_event(p, ref, a.now, 'mashd', 'callback',
                'task=' .. task .. ' alert=' .. a.id .. ' event=' ..
                event .. ': no transport reaches the referrer; call them')
  end
  local state
  if a.error == '' then
    state = task and 'callback' or 'sent'
    redis.call('HSET', key, 'state', state, 'sent', a.now, 'last_error', '',
               unpack(fields))
    if not a.unread then redis.call('XACK', outbox, 'mashd', a.id) end
  elseif attempts >= a.max_attempts then
    state = 'dead'
    redis.call('HSET', key, 'state', state, 'dead', a.now,
               'last_error', a.error, unpack(fields))
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
               'last_error', a.error, unpack(fields))
  end
  audit_event(p, ref, a.now, 'mashd', 'alert',
              'alert=' .. a.id .. ' event=' .. event .. ' state=' ..
              state .. ' attempts=' .. attempts)
  return state
end
