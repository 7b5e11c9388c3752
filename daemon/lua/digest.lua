-- digest: the supervisors' daily digest (digest.c) into the outbox, once
-- for its local date however many mashd share the Redis: the date's key
-- is claimed in this same call, so of two mashd composing it at the hub's
-- opening, one writes it and the other nothing. The alerts held for it
-- (alerts.digest) up to the last one it lists leave their stream.
-- Arguments: date (local, "2026-11-30"), day (the same for a person,
-- "Mon 30 Nov 2026", in the subject), at (ms), text (the digest's
-- body: references and counts only), head (the audit stream's last id
-- when it was gathered, ""), held_last (the last held alert it tells,
-- ""), detail (the counts, for the audit).
-- Answer: {sent = true|false}: false when this date's was sent already.
-- KEYS: digest:sent:$date digest:last digest:held outbox events
local p = ARGV[1]
return serve(function(a)
  -- Eight days: a date's key outlives any clock or zone confusion.
  if not redis.call('SET', declared('digest:sent:' .. a.date), a.at, 'NX',
                    'EX', 8 * 86400) then
    return {sent = false}
  end
  redis.call('XADD', declared('outbox'), '*', 'event', EVENT.DIGEST,
             'ref', '', 'date', a.date, 'day', a.day, 'text', a.text,
             'at', a.at)
  redis.call('HSET', declared('digest:last'), 'at', a.at, 'date', a.date)
  if a.head ~= '' then
    redis.call('HSET', declared('digest:last'), 'eid', a.head)
  end
  if a.held_last ~= '' then
    local ms, seq = string.match(a.held_last, '^(%d+)-(%d+)$')
    if ms then
      redis.call('XTRIM', declared('digest:held'), 'MINID',
                 ms .. '-' .. string.format('%.0f', tonumber(seq) + 1))
    end
  end
  audit(p, '', a.at, 'mashd', 'digest', 'date=' .. a.date .. ' ' .. a.detail)
  return {sent = true}
end)
