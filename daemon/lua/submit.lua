-- submit: store one new referral, queue it, schedule its timers and audit
-- it, in one step.
-- ARGV: prefix, year, received_ms, received_iso, brag, queue_score,
--       channel, client, actor, record_json, idem_key, idem_ttl_s,
--       hub_closed ("1" when out of office hours),
--       child_key (HMAC of the child's normalised name and date; "" for
--       no repeat detection), repeat_threshold, repeat_window_ms,
--       confirms (the reference in written_confirmation_of, or ""),
--       then pairs: timer name, due ms (UTC)
-- The referrer's acknowledgement, and for a Red the navigators' alert,
-- go to the outbox in this same call: no referral without its alerts.
-- Returns {1, response_json} for a new referral, or {0, response_json}
-- with the first answer when the idempotency key was seen before.
local p, year, received, received_iso, brag, score, channel, client,
      actor, record, idem, ttl, closed, child, threshold, window,
      confirms = unpack(ARGV, 1, 17)

local idem_key
if idem ~= '' then
  idem_key = p .. 'idem:' .. client .. ':' .. idem
  local first = redis.call('GET', idem_key)
  if first then return {0, first} end
end

local n = redis.call('INCR', p .. 'seq:' .. year)
local id = string.format(REF_FORMAT, year, n)
local key = p .. 'ref:' .. id
if redis.call('EXISTS', key) == 1 then
  return redis.error_reply('ERR referral ' .. id .. ' exists already')
end
redis.call('HSET', key, 'id', id, 'record', record, 'status', 'new',
           'brag', brag, 'channel', channel, 'client', client,
           'received', received, 'updated', received)
redis.call('ZADD', p .. 'queue', score, id)
local timers, dues = {}, {}
for i = 18, #ARGV, 2 do
  local timer, due = ARGV[i], ARGV[i + 1]
  dues[timer] = due
  redis.call('HSET', key, 'due:' .. timer, due)
  redis.call('ZADD', p .. 'due', due, id .. ':' .. timer)
  timers[#timers + 1] = timer
end
audit(p, id, received, actor, 'submit',
      'channel=' .. channel .. ' brag=' .. brag ..
                     ' timers=' .. table.concat(timers, ','))

-- Repeat referrals (seed 004): the same child, keyed without personal data.
if child ~= '' then
  local ckey = p .. 'child:' .. child
  local prev = redis.call('ZRANGE', ckey, 0, -1)
  if #prev > 0 then
    local recent = redis.call('ZCOUNT', ckey, tonumber(received) -
                              tonumber(window), '+inf')
    local open, shown = 0, {}
    for i = #prev, 1, -1 do
      local st = redis.call('HGET', p .. 'ref:' .. prev[i], 'status')
      if st and st ~= 'decided' then open = open + 1 end
      if #shown < 20 then shown[#shown + 1] = prev[i] end
    end
    redis.call('HSET', key, 'repeat', cjson.encode({
      count = #prev, previous = shown, open = open,
      within_window = recent}))
    if recent + 1 >= tonumber(threshold) or open > 0 then
      audit(p, id, received, 'mashd', 'repeat',
            'previous=' .. #prev .. ' open=' .. open .. ' within_window=' ..
            recent)
      redis.call('XADD', p .. 'outbox', '*', 'event', EVENT.REPEAT, 'ref', id,
                 'brag', brag, 'at', received)
    end
  end
  redis.call('ZADD', ckey, received, id)
end

-- A written confirmation (written_confirmation_of) stops the timer of the
-- referral it confirms. A wrong reference is recorded, never refused: a
-- referral about a child is never lost over a link.
if confirms ~= '' then
  local okey = p .. 'ref:' .. confirms
  if redis.call('EXISTS', okey) == 1 then
    redis.call('HSET', key, 'confirms', confirms)
    if redis.call('HEXISTS', okey, 'due:written') == 1 and
       redis.call('HEXISTS', okey, 'stopped:written') == 0 then
      redis.call('ZREM', p .. 'due', confirms .. ':written')
      redis.call('HSET', okey, 'stopped:written', received,
                 'confirmed', received, 'confirmation', id)
      audit(p, confirms, received, actor, 'confirm',
            'written confirmation via ' .. channel .. ': referral ' .. id)
    else
      audit(p, confirms, received, actor, 'link', 'linked to referral ' .. id)
    end
  else
    audit(p, id, received, actor, 'link',
          'written_confirmation_of names no referral: ' .. confirms)
  end
end

redis.call('XADD', p .. 'outbox', '*', 'event', EVENT.ACK, 'ref', id,
           'brag', brag, 'timer', 'decision', 'due', dues['decision'] or '',
           'at', received)
if brag == 'red' then
  redis.call('XADD', p .. 'outbox', '*', 'event', EVENT.RED, 'ref', id,
             'brag', brag, 'timer', 'screening',
             'due', dues['screening'] or '', 'edt', closed, 'at', received)
end

local response = cjson.encode({id = id, brag = brag,
                               received = received_iso, status = 'new'})
if idem_key then
  redis.call('SET', idem_key, response, 'EX', tonumber(ttl))
end
return {1, response}
