-- submit: store one new referral, queue it, schedule its timers and audit
-- it, in one step. The referrer's acknowledgement, and for a Red the
-- navigators' alert, go to the outbox in this same call: no referral
-- without its alerts.
-- Arguments (intake.c): year, received (ms, a string), received_iso,
--   brag, score (a string), channel, client, actor, categories (the concern's, a JSON array
--   text, kept for queue.lua), idem (the idempotency key: the client's,
--   or one mashd made, so every referral has one), hash (SHA-256 of the
--   canonical record), attempt (this call's own random token), ttl
--   (seconds the key is kept), hub_closed (bool), child (HMAC of the
--   child's normalised name and date; "" for no repeat detection),
--   repeat_threshold, repeat_window_ms, confirms (the reference in
--   written_confirmation_of, or ""), timers: [{name, due}] with due in ms
--   (UTC, a string), agency (the referrer's, or the client's; "" none),
--   consumer (alert.c's consumer name: the alerts this call queues are
--   claimed for it, as alert_take would claim them; "" or absent: none),
--   referrer ({email, phone} of the record, for the alerts claimed),
--   settle ({event = callback_due}: the events whose alert comes to a
--   call-back task alone: nothing to deliver, and no transport reaches
--   the referrer (alert_plan.c decided), with when the task is due in ms;
--   absent: none).
-- ARGV[3], after them: the record's JSON text, stored as it is (apart,
-- so that it is neither escaped into the arguments nor read out of them).
-- Answer: {result, and for "stored" and "replayed" id, brag, received
--   (ISO), status; for "stored", alerts: those claimed for consumer, as
--   alert_take answers them, and settled: [{id, fields, state}] the
--   alerts claimed whose outcome this call recorded, as alert_result.lua
--   would have ("callback")}. result is
--   "stored"   a new referral;
--   "replayed" the key was seen with the same record: the first answer;
--   "conflict" the key was seen with another record: nothing stored;
--   "void"     idem.lua answered for this attempt, its reply lost, that
--              the key was not there: it stores nothing now either.
-- KEYS: void:$attempt idem:$client:$idem seq:$year queue due events outbox
-- KEYS: child:$child ref:$confirms ref:$confirms:audit index:received
-- KEYS: callback:seq callbacks dead stats
-- Keys from data: the new referral's ref:<id> and ref:<id>:audit (INCR
-- makes its reference), ref:<id> of each earlier referral of the child
-- (child:<hmac> lists them), and alert:<id> of each alert claimed and
-- callback:<n> of a task made (the outbox and callback:seq name them).
local p = ARGV[1]

-- claim: the alerts this call queued (ids, oldest first; sent, the
-- fields each was written with) read into the pending list of consumer
-- `me`, as alert_take's XREADGROUP would, so its mashd delivers them at
-- once with no call of alert_take; a mashd that dies leaves them pending,
-- and after alerts.claim_idle any mashd takes them over. Only when
-- nothing older waits unread in the group (the read takes the oldest
-- first): else none is claimed, and alert_take takes them with the
-- others. Answers them as alert_take does; and those whose event
-- `settle` names (a call-back task alone) are not delivered at all:
-- their first attempt's outcome is recorded here, as alert_result.lua
-- records one (alert_outcome), and answered apart, for syslog.
local function settle_one(id, fields, due, now)
  local event, ref = fields.event or '', fields.ref or ''
  return {id = id, fields = fields, state = alert_outcome(p,
    {id = id, now = now, error = '', callback_due = due, unread = true},
    {event = event, ref = ref, attempts = 1},
    {'attempts', 1, 'event', event, 'ref', ref})}
end

local function claim(me, ids, sent, referrer, settle, now)
  local outbox = declared('outbox')
  local last, lag, read -- the group's last delivered entry, how many
                        -- wait, and how many it has read
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', outbox)) do
    local info = {}
    for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
    if info.name == 'mashd' then
      last, lag, read = info['last-delivered-id'], info.lag,
                        info['entries-read']
    end
  end
  if not last then
    redis.call('XGROUP', 'CREATE', outbox, 'mashd', '0', 'MKSTREAM')
    last = '0-0'
  end
  -- ids are the newest entries: none older waits when exactly they wait
  -- unread. Redis counts those (lag) unless it cannot tell (nil: the
  -- group is new or entries were deleted); then the first unread entry
  -- is read, which costs a seek into the stream.
  if type(lag) == 'number' then
    if lag ~= #ids then return {} end
  else
    local first = redis.call('XRANGE', outbox, '(' .. last, '+', 'COUNT', 1)
    if not first[1] or first[1][1] ~= ids[1] then return {} end
  end
  -- When every one is settled here, none is to be pending: the group is
  -- moved past them with the count of entries it has read, as
  -- XREADGROUP NOACK would leave it (lag 0), without the read, which
  -- seeks into the stream's last node entry by entry (about 25 us). Moved
  -- after their outcomes are written: a call that fails before leaves
  -- them unread, for alert_take. It trusts the check above that nothing
  -- waits unread before ids[1] (an ENTRIESREAD set too high by hand
  -- would make lag lie, and this skip a live alert); and only the
  -- acknowledgement is ever settled (alert_settle.c), one id a call, so
  -- no failure can leave one settled and unread behind another.
  local all = type(read) == 'number'
  for i = 1, #ids do
    if not settle[sent[i].event or ''] then all = false end
  end
  local out, settled = {}, {}
  if all then
    for i, id in ipairs(ids) do
      settled[i] = settle_one(id, sent[i], settle[sent[i].event], now)
    end
    redis.call('XGROUP', 'SETID', outbox, 'mashd', ids[#ids], 'ENTRIESREAD',
               read + #ids)
    return out, settled
  end
  local new = redis.call('XREADGROUP', 'GROUP', 'mashd', me, 'COUNT', #ids,
                         'STREAMS', outbox, '>')
  for _, entry in ipairs(new and new[1] and new[1][2] or {}) do
    local fields, f = {}, entry[2]
    for i = 1, #f, 2 do fields[f[i]] = f[i + 1] end
    local event, ref = fields.event or '', fields.ref or ''
    local due = settle[event]
    if due then
      local one = settle_one(entry[1], fields, due, now)
      redis.call('XACK', outbox, 'mashd', entry[1])
      settled[#settled + 1] = one
    else
      redis.call('HSET', from_data('alert:' .. entry[1]), 'state',
                 'pending', 'attempts', 0, 'event', event, 'ref', ref)
      out[#out + 1] = {id = entry[1], fields = fields, done = {},
                       referrer = referrer, attempts = 0}
    end
  end
  return out, settled
end

return serve(function(a)
  local received, brag, channel, actor = a.received, a.brag, a.channel,
                                         a.actor

  -- A call still on its way after mashd said it was not stored (held in
  -- a socket or a proxy while Redis was away) must not make that false.
  -- (Both keys are strings: one MGET reads them.)
  local idem_key = declared('idem:' .. a.client .. ':' .. a.idem)
  local got = redis.call('MGET', declared('void:' .. a.attempt), idem_key)
  if got[1] then
    return {result = 'void'}
  end
  local first, conflict = idem_seen(a, got[2])
  if conflict then return {result = 'conflict', id = first.id} end
  if first then
    return {result = 'replayed', id = first.id, brag = first.brag,
            received = first.received, status = first.status}
  end

  local n = redis.call('INCR', declared('seq:' .. a.year))
  local id = string.format(REF_FORMAT, a.year, n)
  -- The outbox entries this call adds, and the fields of each (by name).
  local queued, sent = {}, {}
  local function enqueue(event, ...)
    local eid, f = queue_alert(p, event, id, received, ...)
    local fields = {}
    for i = 1, #f, 2 do fields[f[i]] = f[i + 1] end
    local k = #queued + 1
    queued[k], sent[k] = eid, fields
  end
  local key = from_data('ref:' .. id)
  if redis.call('EXISTS', key) == 1 then
    error('referral ' .. id .. ' exists already')
  end
  -- The referral and its timers in one HSET, its timers due in one ZADD
  -- (each call of Redis from a script costs about as much as a small
  -- script's whole run).
  local fields = {'id', id, 'record', ARGV[3], 'status', 'new',
                  'brag', brag, 'channel', channel, 'client', a.client,
                  'received', received, 'updated', received,
                  'idempotency_key', a.idem,
                  'categories', a.categories or ''}
  local timers, dues, due_set = {}, {}, {}
  for _, t in ipairs(a.timers) do
    dues[t.name] = t.due
    fields[#fields + 1] = 'due:' .. t.name
    fields[#fields + 1] = t.due
    fields[#fields + 1] = 'start:' .. t.name
    fields[#fields + 1] = received
    due_set[#due_set + 1] = t.due
    due_set[#due_set + 1] = id .. ':' .. t.name
    timers[#timers + 1] = t.name
  end
  if a.child ~= '' then
    -- For `show`'s repeat history: the key, never the name (show.lua).
    fields[#fields + 1] = 'child'
    fields[#fields + 1] = a.child
  end
  redis.call('HSET', key, unpack(fields))
  redis.call('ZADD', declared('queue'), a.score, id)
  -- Every referral by its receipt, for `mashctl list` (list.lua).
  redis.call('ZADD', declared('index:received'), received, id)
  if #due_set > 0 then
    redis.call('ZADD', declared('due'), unpack(due_set))
  end
  -- The child's earlier referrals (oldest first), and how many of them
  -- fall within the repeat window: one read for the report's prior and
  -- the repeat check below. A stored record of the hub that holds the
  -- wrong kind of value (damaged) is looked at before anything is written
  -- by it, never read: what it would have told is skipped, and said in
  -- the audit, and the referral, stored above, is stored whole. (The
  -- read itself tells: WRONGTYPE, with no TYPE before it.)
  local prev, recent, damaged = {}, 0, false
  local ckey = a.child ~= '' and declared('child:' .. a.child) or nil
  local z = ckey and call_undamaged('ZRANGE', ckey, 0, -1, 'WITHSCORES')
  if ckey and not z then
    ckey, damaged = nil, true
  end
  if ckey then
    local since = tonumber(received) - a.repeat_window_ms
    for i = 1, #z, 2 do
      prev[#prev + 1] = z[i]
      if tonumber(z[i + 1]) >= since then recent = recent + 1 end
    end
  end
  -- prior (earlier referrals of the child within the repeat window) and
  -- agency (the referrer's, last: it may hold spaces) are for the report.
  local prior = ckey and ' prior=' .. recent or ''
  -- A new referral has no timer fired: nothing for metrics_sync to do.
  audit_event(p, id, received, actor, 'submit',
              'channel=' .. channel .. ' brag=' .. brag ..
              ' timers=' .. table.concat(timers, ',') .. prior ..
              ' agency=' .. (a.agency or ''))

  -- Repeat referrals (seed 004): the same child, keyed without personal
  -- data. An earlier referral whose record is damaged counts, but not as
  -- open or decided.
  if ckey then
    if #prev > 0 then
      local open, shown = 0, {}
      for i = #prev, 1, -1 do
        -- false: no record, or no status; nil: damaged (WRONGTYPE).
        local st = call_undamaged('HGET', from_data('ref:' .. prev[i]),
                                  'status')
        if st then
          if st ~= 'decided' then open = open + 1 end
        elseif st == nil then
          damaged = true
        end
        if #shown < 20 then shown[#shown + 1] = prev[i] end
      end
      redis.call('HSET', key, 'repeat', cjson.encode({
        count = #prev, previous = shown, open = open,
        within_window = recent}))
      if recent + 1 >= a.repeat_threshold or open > 0 then
        audit_event(p, id, received, 'mashd', 'repeat',
                    'previous=' .. #prev .. ' open=' .. open ..
                    ' within_window=' .. recent)
        enqueue(EVENT.REPEAT, 'brag', brag)
      end
    end
    redis.call('ZADD', ckey, received, id)
  end
  if damaged then
    audit_event(p, id, received, 'mashd', 'damaged',
                'repeat check: a stored record of the child\'s referrals ' ..
                'is damaged and was passed over')
  end

  -- A written confirmation (written_confirmation_of) stops the timer of
  -- the referral it confirms. A wrong reference is recorded, never
  -- refused: a referral about a child is never lost over a link; nor over
  -- a damaged one (its record or its audit list not what it should be).
  local confirms = a.confirms
  if confirms ~= '' then
    local okey = declared('ref:' .. confirms)
    local there = key_is(okey, 'hash')
    if there == nil or
       (there and key_is(declared('ref:' .. confirms .. ':audit'),
                         'list') == nil) then
      audit_event(p, id, received, actor, 'link',
                  'written_confirmation_of names a damaged record: ' ..
                  confirms)
    elseif there then
      redis.call('HSET', key, 'confirms', confirms)
      if redis.call('HEXISTS', okey, 'due:written') == 1 and
         redis.call('HEXISTS', okey, 'stopped:written') == 0 then
        stop_timer(p, confirms, 'written', received)
        redis.call('HSET', okey, 'confirmed', received, 'confirmation', id)
        audit(p, confirms, received, actor, 'confirm',
              'written confirmation via ' .. channel .. ': referral ' .. id)
      else
        audit(p, confirms, received, actor, 'link',
              'linked to referral ' .. id)
      end
    else
      audit(p, id, received, actor, 'link',
            'written_confirmation_of names no referral: ' .. confirms)
    end
  end

  enqueue(EVENT.ACK, 'brag', brag, 'timer', 'decision', 'due',
          dues['decision'] or '')
  if brag == 'red' then
    enqueue(EVENT.RED, 'brag', brag, 'timer', 'screening', 'due',
            dues['screening'] or '', 'edt', a.hub_closed and '1' or '0')
  end

  -- attempt tells idem.lua which call stored it.
  redis.call('SET', idem_key, cjson.encode({
    id = id, brag = brag, received = a.received_iso, status = 'new',
    hash = a.hash, attempt = a.attempt}), 'EX', a.ttl)
  queue_changed(id)
  if confirms ~= '' then queue_changed(confirms) end
  local claimed, settled = {}, {}
  if (a.consumer or '') ~= '' then
    claimed, settled = claim(a.consumer, queued, sent, a.referrer or {},
                             a.settle or {}, received)
  end
  return {result = 'stored', id = id, brag = brag,
          received = a.received_iso, status = 'new', alerts = claimed,
          settled = settled}
end)
