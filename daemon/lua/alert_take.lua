-- alert_take: the alerts this consumer should deliver now, each claimed
-- for it in this same step: its own pending ones whose retry time has
-- come, orphans (pending with another consumer, idle longer than
-- claim_idle: a mashd that stopped or died) taken over, then new outbox
-- entries. The claim is renewed (XCLAIM resets the entry's idle time) on
-- every attempt, before it starts: an attempt lasts at most
-- alerts.timeout, less than claim_idle, so no other mashd takes an alert
-- in the middle of one. Each comes with what delivery needs.
-- Arguments: consumer, now (ms), count, claim_idle (ms), busy [the ids
-- this consumer is delivering already: never taken again].
-- Answer: {alerts = [{id, fields {the outbox entry's}, attempts, done
-- [the parts delivered before], referrer {email, phone}}]}.
-- KEYS: outbox
-- Keys from data: alert:<id> and alert:<id>:done of each alert taken,
-- and its referral's ref:<ref>.
local p = ARGV[1]
return serve(function(a)
  local me, now, count, idle = a.consumer, a.now, a.count, a.claim_idle
  local busy = {}
  for _, id in ipairs(a.busy or {}) do busy[id] = true end
  local outbox = declared('outbox')
  local ok, e = pcall(redis.call, 'XGROUP', 'CREATE', outbox, 'mashd', '0',
                      'MKSTREAM')
  if not ok and not string.find(tostring(e), 'BUSYGROUP') then
    error(e, 0)
  end

  -- The pending list, oldest first, a page at a time: retries and
  -- orphans go before new alerts, and none is missed past the first page.
  local ids = {}
  local page, from = 1000, '-'
  while #ids < count do
    local pending = redis.call('XPENDING', outbox, 'mashd', from, '+', page)
    for _, pe in ipairs(pending) do
      if #ids >= count then break end
      local id, owner, idled = pe[1], pe[2], pe[3]
      if not busy[id] and (owner == me or idled >= idle) then
        local next_at = tonumber(redis.call('HGET',
                                            from_data('alert:' .. id),
                                            'next_at') or '0')
        if next_at <= now then
          redis.call('XCLAIM', outbox, 'mashd', me, 0, id, 'JUSTID')
          ids[#ids + 1] = id
        end
      end
    end
    if #pending < page then break end
    from = '(' .. pending[#pending][1]
  end
  if #ids < count then
    local new = redis.call('XREADGROUP', 'GROUP', 'mashd', me, 'COUNT',
                           count - #ids, 'STREAMS', outbox, '>')
    if new and new[1] then
      for _, entry in ipairs(new[1][2]) do ids[#ids + 1] = entry[1] end
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
  return {alerts = out}
end)
