-- submit: store one new referral, queue it, schedule its timers and audit
-- it, in one step.
-- ARGV: prefix, year, received_ms, received_iso, brag, queue_score,
--       channel, client, actor, record_json, idem_key, idem_ttl_s,
--       hub_closed ("1" when out of office hours),
--       then pairs: timer name, due ms (UTC)
-- The referrer's acknowledgement, and for a Red the navigators' alert,
-- go to the outbox in this same call: no referral without its alerts.
-- Returns {1, response_json} for a new referral, or {0, response_json}
-- with the first answer when the idempotency key was seen before.
local p, year, received, received_iso, brag, score, channel, client,
      actor, record, idem, ttl, closed = unpack(ARGV, 1, 13)

local idem_key
if idem ~= '' then
  idem_key = p .. 'idem:' .. client .. ':' .. idem
  local first = redis.call('GET', idem_key)
  if first then return {0, first} end
end

local n = redis.call('INCR', p .. 'seq:' .. year)
local id = string.format('MASH-%s-%06d', year, n)
local key = p .. 'ref:' .. id
if redis.call('EXISTS', key) == 1 then
  return redis.error_reply('ERR referral ' .. id .. ' exists already')
end
redis.call('HSET', key, 'id', id, 'record', record, 'status', 'new',
           'brag', brag, 'channel', channel, 'client', client,
           'received', received, 'updated', received)
redis.call('ZADD', p .. 'queue', score, id)
local timers, dues = {}, {}
for i = 14, #ARGV, 2 do
  local timer, due = ARGV[i], ARGV[i + 1]
  dues[timer] = due
  redis.call('HSET', key, 'due:' .. timer, due)
  redis.call('ZADD', p .. 'due', due, id .. ':' .. timer)
  timers[#timers + 1] = timer
end
redis.call('XADD', p .. 'events', '*', 'ref', id, 'at', received,
           'actor', actor, 'action', 'submit',
           'detail', 'channel=' .. channel .. ' brag=' .. brag ..
                     ' timers=' .. table.concat(timers, ','))

redis.call('XADD', p .. 'outbox', '*', 'event', 'ack', 'ref', id,
           'brag', brag, 'timer', 'decision', 'due', dues['decision'] or '',
           'at', received)
if brag == 'red' then
  redis.call('XADD', p .. 'outbox', '*', 'event', 'red', 'ref', id,
             'brag', brag, 'timer', 'screening',
             'due', dues['screening'] or '', 'edt', closed, 'at', received)
end

local response = cjson.encode({id = id, brag = brag,
                               received = received_iso, status = 'new'})
if idem_key then
  redis.call('SET', idem_key, response, 'EX', tonumber(ttl))
end
return {1, response}
