-- alert_take: the alerts this consumer should deliver now, each claimed
-- for it in this same step: its own pending ones whose retry time has
-- come and orphans (pending with another consumer, idle longer than
-- claim_idle: a mashd that stopped or died) taken over ("due"), and new
-- outbox entries. The order, count at most:
--   1. the due ones due for claim_idle or longer ("late"; one never
--      tried is due since it was queued), oldest entry first;
--   2. when one of the first 64 unread entries is "at once" (event red
--      or repeat), the new entries up to it, oldest first: a new Red is
--      not held behind retries (one behind more than 64 unread entries
--      is not seen: it waits its turn among the new ones, in 4);
--   3. the other due ones, oldest entry first;
--   4. the other new entries, oldest first.
-- A due alert passed over by new ones becomes late within claim_idle,
-- and then goes before them: none waits for ever. (Due ones are looked
-- for among the first count in the pending list that are due, and among
-- at most SCAN entries of it a call, from the cursor when it is longer.)
-- The claim is renewed (XCLAIM resets the entry's idle time) on every
-- attempt, before it starts: alert.c starts a taken alert's parts at
-- once (they end alerts.timeout later, within claim_idle when this call
-- answers promptly), and a mail that waits for a process only while it
-- ends within claim_idle of the call, so no other mashd takes an alert in
-- the middle of one. Each comes with what delivery needs.
-- An alert whose mail waited in vain for a hung MTA (alert_result.lua's
-- held: when, in ms) is due at its next_at, or as soon as a mail is
-- answered after it was held (answered no earlier than held: an answer in
-- the same ms wakes it): among the due ones, never late before its next_at.
-- Arguments: consumer, now (ms), count, claim_idle (ms), busy [the ids
-- this consumer is delivering already: never taken again], answered (ms:
-- when this consumer's MTA last answered a mail; 0 or absent: not yet),
-- cursor (the previous call's; '' or absent: none).
-- Answer: {alerts = [{id, fields {the outbox entry's}, attempts, done
-- [the parts delivered before], referrer {email, phone}}], cursor (the
-- last pending entry looked at, '' when none: for the next call)}.
-- KEYS: outbox
-- Keys from data: alert:<id> and alert:<id>:done of each alert taken,
-- and its referral's ref:<ref>.
local p = ARGV[1]
-- The most pending entries one call looks at.
local SCAN = 256
return serve(function(a)
  local me, now, count, idle = a.consumer, a.now, a.count, a.claim_idle
  local answered = tonumber(a.answered) or 0
  local busy = {}
  for _, id in ipairs(a.busy or {}) do busy[id] = true end
  local outbox = declared('outbox')
  local ok, e = pcall(redis.call, 'XGROUP', 'CREATE', outbox, 'mashd', '0',
                      'MKSTREAM')
  if not ok and not string.find(tostring(e), 'BUSYGROUP') then
    error(e, 0)
  end

  -- The due ones, oldest entry first, among at most SCAN entries of the
  -- pending list a call: all of it while it holds no more than SCAN,
  -- else from just after the last one the previous call looked at
  -- (cursor), going round to its head, so the work of a call is bounded
  -- however long the list grows (a hung MTA holds every alert in it), and
  -- every entry is looked at again within ceil(length / SCAN) calls that
  -- find fewer than count due.
  local late, due = {}, {}
  local total = redis.call('XPENDING', outbox, 'mashd')[1]
  local cursor = type(a.cursor) == 'string' and a.cursor or ''
  local looked, seen, last, pass = 0, {}, nil, 1
  -- order: the entries looked at, in turn; before[id]: the cursor from
  -- which a call looks at id first ('' for the head).
  local order, before, prev = {}, {}, ''
  -- early: the due ones found once the scan went round to the head (older
  -- than those found before it), put first.
  local early_late, early_due = {}, {}
  local function look_at(pe)
    local id, owner, idled = pe[1], pe[2], pe[3]
    if not busy[id] and (owner == me or idled >= idle) then
      local f = redis.call('HMGET', from_data('alert:' .. id), 'next_at',
                           'held')
      local next_at = tonumber(f[1] or '0') or 0
      local held = tonumber(f[2] or '0') or 0
      local l, d = late, due
      if pass == 2 then l, d = early_late, early_due end
      if next_at + idle <= now then
        l[#l + 1] = id
      elseif next_at <= now or (held > 0 and held <= answered) then
        d[#d + 1] = id
      end
    end
  end
  local from = '-'
  if total > SCAN and string.match(cursor, '^%d+%-%d+$') then
    from = '(' .. cursor
  end
  local start = from
  if from ~= '-' then prev = cursor end
  while looked < SCAN and #late + #due + #early_late + #early_due < count do
    local n = math.min(1000, SCAN - looked)
    -- A cursor Redis will not take (no ID of this stream: mashd keeps
    -- the last one given, but it may be damaged) restarts from the head
    -- rather than failing every take after it.
    local pending
    if from ~= '-' then
      pending = redis.pcall('XPENDING', outbox, 'mashd', from, '+', n)
      if pending.err then start, from, pending, prev = '-', '-', nil, '' end
    end
    pending = pending or redis.call('XPENDING', outbox, 'mashd', from, '+', n)
    for _, pe in ipairs(pending) do
      if #late + #due + #early_late + #early_due >= count or seen[pe[1]] then
        looked = SCAN
        break
      end
      seen[pe[1]], looked, last = true, looked + 1, pe[1]
      order[#order + 1], before[pe[1]], prev = pe[1], prev, pe[1]
      look_at(pe)
    end
    if looked >= SCAN then break end
    if #pending < n then
      -- The end of the list: round to its head once, when not from it.
      if pass == 2 or start == '-' then break end
      pass, from, prev = 2, '-', ''
    else
      from = '(' .. pending[#pending][1]
    end
  end
  for _, id in ipairs(late) do early_late[#early_late + 1] = id end
  for _, id in ipairs(due) do early_due[#early_due + 1] = id end
  late, due = early_late, early_due
  local ids = {}
  local function claim(list)
    for _, id in ipairs(list) do
      if #ids >= count then return end
      redis.call('XCLAIM', outbox, 'mashd', me, 0, id, 'JUSTID')
      ids[#ids + 1] = id
    end
  end
  local function read(n)
    if n <= 0 then return end
    local new = redis.call('XREADGROUP', 'GROUP', 'mashd', me, 'COUNT', n,
                           'STREAMS', outbox, '>')
    if new and new[1] then
      for _, entry in ipairs(new[1][2]) do ids[#ids + 1] = entry[1] end
    end
  end
  claim(late)
  -- The first unread entries: how many to read to reach the last at-once.
  if #ids < count then
    local last
    for _, g in ipairs(redis.call('XINFO', 'GROUPS', outbox)) do
      local info = {}
      for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
      if info.name == 'mashd' then last = info['last-delivered-id'] end
    end
    local upto = 0
    local unread = redis.call('XRANGE', outbox, '(' .. (last or '0-0'), '+',
                              'COUNT', 64)
    for i, entry in ipairs(unread) do
      local f, ev = entry[2], nil
      for k = 1, #f, 2 do
        if f[k] == 'event' then ev = f[k + 1] end
      end
      if ev == EVENT.RED or ev == EVENT.REPEAT then upto = i end
    end
    read(math.min(upto, count - #ids))
  end
  claim(due)
  read(count - #ids)
  -- A due one found but not taken (the room went to new Red alerts, or
  -- to older due ones): the next call looks at it again, from just
  -- before it, rather than a round of the list later.
  local want, took = {}, {}
  for _, id in ipairs(late) do want[id] = true end
  for _, id in ipairs(due) do want[id] = true end
  for _, id in ipairs(ids) do took[id] = true end
  for _, id in ipairs(order) do
    if want[id] and not took[id] then
      last = before[id]
      break
    end
  end

  -- A consumer left by a mashd that stopped or died, once nothing is
  -- pending with it, is forgotten: the group does not grow with restarts.
  for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', outbox, 'mashd')) do
    local info = {}
    for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
    if info.name ~= me and info.pending == 0 and info.idle >= idle then
      redis.call('XGROUP', 'DELCONSUMER', outbox, 'mashd', info.name)
    end
  end

  local out = {}
  for _, id in ipairs(ids) do
    local entry = redis.call('XRANGE', outbox, id, id)
    local fields = {}
    if entry[1] then
      local f = entry[1][2]
      for i = 1, #f, 2 do fields[f[i]] = f[i + 1] end
    end
    local key = from_data('alert:' .. id)
    local done = {}
    for _, part in ipairs(redis.call('SMEMBERS',
                                     from_data('alert:' .. id .. ':done'))) do
      done[#done + 1] = part
    end
    local referrer = {}
    if fields.ref then
      -- A referral whose record is damaged (lib.lua) gives no contact:
      -- its alert goes on, and one for its referrer reaches no one.
      local rec = call_undamaged('HMGET', from_data('ref:' .. fields.ref),
                                 'record')
      rec = rec and rec[1]
      if rec then
        local okd, r = pcall(cjson.decode, rec)
        if okd and type(r) == 'table' and type(r.referrer) == 'table' then
          if type(r.referrer.email) == 'string' then
            referrer.email = r.referrer.email
          end
          if type(r.referrer.phone) == 'string' then
            referrer.phone = r.referrer.phone
          end
        end
      end
    end
    if redis.call('HEXISTS', key, 'state') == 0 then
      redis.call('HSET', key, 'state', 'pending', 'attempts', 0,
                 'event', fields.event or '', 'ref', fields.ref or '')
    end
    out[#out + 1] = {
      id = id, fields = fields, done = done, referrer = referrer,
      attempts = tonumber(redis.call('HGET', key, 'attempts') or '0')}
  end
  return {alerts = out, cursor = last or ''}
end)
