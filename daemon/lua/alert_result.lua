-- alert_result: the outcome of one delivery attempt of an alert, in one
-- step: parts delivered are remembered (never sent again); when nothing
-- is left the alert is sent and acknowledged; after the last attempt it
-- is dead, acknowledged, listed, and a dead_letter alert goes to the
-- supervisors. Never dropped.
-- ARGV: prefix, id, now_ms, next_at_ms, max_attempts, error ("" if none),
--       then the parts delivered by this attempt.
-- Returns the alert's state: "sent", "pending" or "dead".
local p, id, now, next_at, max, err = unpack(ARGV, 1, 6)
local a = p .. 'alert:' .. id
local outbox = p .. 'outbox'
for i = 7, #ARGV do redis.call('SADD', a .. ':done', ARGV[i]) end
local attempts = redis.call('HINCRBY', a, 'attempts', 1)
local event = redis.call('HGET', a, 'event') or ''
local ref = redis.call('HGET', a, 'ref') or ''
local state
if err == '' then
  state = 'sent'
  redis.call('HSET', a, 'state', state, 'sent', now, 'last_error', '')
  redis.call('XACK', outbox, 'mashd', id)
elseif attempts >= tonumber(max) then
  state = 'dead'
  redis.call('HSET', a, 'state', state, 'dead', now, 'last_error', err)
  redis.call('XACK', outbox, 'mashd', id)
  redis.call('ZADD', p .. 'dead', now, id)
  if event ~= EVENT.DEAD_LETTER then
    redis.call('XADD', outbox, '*', 'event', EVENT.DEAD_LETTER, 'ref', ref,
               'of', id, 'of_event', event, 'attempts', attempts,
               'error', err, 'at', now)
  end
else
  state = 'pending'
  redis.call('HSET', a, 'state', state, 'next_at', next_at,
             'last_error', err)
end
audit(p, ref, now, 'mashd', 'alert',
      'alert=' .. id .. ' event=' .. event .. ' state=' ..
                     state .. ' attempts=' .. attempts)
return state
