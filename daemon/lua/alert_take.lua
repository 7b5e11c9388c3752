-- alert_take: the alerts this consumer should deliver now: new outbox
-- entries, its own pending ones whose retry time has come, and orphans
-- (pending with another consumer, idle longer than claim_idle: a mashd
-- that died) taken over. Each comes with what delivery needs.
-- Arguments: consumer, now (ms), count, claim_idle (ms).
-- Answer: {alerts = [{id, fields {the outbox entry's}, attempts, done
-- [the parts delivered before], referrer {email, phone}}]}.
-- Keys: outbox, alert:<id> and alert:<id>:done of each, ref:<ref>.
local p = ARGV[1]
return serve(function(a)
  local me, now, count, idle = a.consumer, a.now, a.count, a.claim_idle
  local outbox = p .. 'outbox'
  local ok, e = pcall(redis.call, 'XGROUP', 'CREATE', outbox, 'mashd', '0',
                      'MKSTREAM')
  if not ok and not string.find(tostring(e), 'BUSYGROUP') then
    error(e, 0)
  end

  local ids, seen = {}, {}
  local new = redis.call('XREADGROUP', 'GROUP', 'mashd', me, 'COUNT', count,
                         'STREAMS', outbox, '>')
  if new and new[1] then
    for _, entry in ipairs(new[1][2]) do
      ids[#ids + 1] = entry[1]
      seen[entry[1]] = true
    end
  end
  local pending = redis.call('XPENDING', outbox, 'mashd', '-', '+', 1000)
  for _, pe in ipairs(pending) do
    if #ids >= count then break end
    local id, owner, idled = pe[1], pe[2], pe[3]
    local next_at = tonumber(redis.call('HGET', p .. 'alert:' .. id,
                                        'next_at') or '0')
    if next_at <= now and not seen[id] then
      seen[id] = true
      if owner == me then
        ids[#ids + 1] = id
      elseif idled >= idle then
        local got = redis.call('XCLAIM', outbox, 'mashd', me, idle, id)
        if #got > 0 then ids[#ids + 1] = id end
      end
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
    local key = p .. 'alert:' .. id
    local done = {}
    for _, part in ipairs(redis.call('SMEMBERS', key .. ':done')) do
      done[#done + 1] = part
    end
    local referrer = {}
    if fields.ref then
      local rec = redis.call('HGET', p .. 'ref:' .. fields.ref, 'record')
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
