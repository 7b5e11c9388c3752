-- timer-fill: tools/mash-bench's loader of referrals with pending timers,
-- so that a million timers take seconds to write, not a million POSTs.
-- mash-bench runs it as it runs fire.lua: after build/words.lua and
-- daemon/lua/lib.lua, by EVALSHA, a few thousand referrals a call.
-- Each referral gets the keys submit.lua writes for it: its hash (record,
-- status, brag, channel, client, received, due:<timer> and start:<timer>),
-- its place in the queue and index:received, its timers in the due set,
-- its audit event (chained, as audit() does) and its place in seq:<year>.
-- No acknowledgement goes to the outbox: these referrals stand for a hub's
-- past, acknowledged long ago.
-- Arguments: year, count (referrals), received (ms), brag, score (the
--   queue's, a string), record (JSON text), timers (names), due (ms, the
--   first timer's) and step (ms between one timer's due time and the
--   next's, over every timer of every referral of the call, in order).
-- Answer: {first, last}: the references made.
-- KEYS: seq:$year queue due events events:head index:received
local p = ARGV[1]
return serve(function(a)
  local seq = declared('seq:' .. a.year)
  local n = redis.call('INCRBY', seq, a.count) - a.count
  local due, first, id = tonumber(a.due), nil, nil
  local received = tostring(a.received)
  for _ = 1, a.count do
    n = n + 1
    id = string.format(REF_FORMAT, a.year, n)
    first = first or id
    local key = from_data('ref:' .. id)
    redis.call('HSET', key, 'id', id, 'record', a.record, 'status', 'new',
               'brag', a.brag, 'channel', 'web', 'client', 'web-form',
               'received', received, 'updated', received,
               'idempotency_key', 'fill-' .. id)
    redis.call('ZADD', declared('queue'), a.score, id)
    redis.call('ZADD', declared('index:received'), received, id)
    for _, t in ipairs(a.timers) do
      local at = string.format('%.0f', due)
      redis.call('HSET', key, 'due:' .. t, at, 'start:' .. t, received)
      redis.call('ZADD', declared('due'), at, id .. ':' .. t)
      due = due + a.step
    end
    audit(p, id, received, 'web-form', 'submit',
          'channel=web brag=' .. a.brag .. ' timers=' ..
          table.concat(a.timers, ',') .. ' agency=')
  end
  return {first = first, last = id}
end)
