-- queue: the open referrals with queue scores in [min, max), in order,
-- with their timers.
-- Arguments: min, max (queue scores), limit.
-- Answer: {items = [{id, brag, status, channel, received (ms), owner
-- ("" for none), repeat_count (absent unless a repeat), timers = [{timer,
-- due, fired, stopped}]}]}: the timers it has, in TIMERS order, each time
-- in ms or "".
-- KEYS: queue
-- Keys from data: ref:<id> of each referral listed.
local p = ARGV[1]
return serve(function(a)
  local ids = redis.call('ZRANGEBYSCORE', declared('queue'),
                         string.format('%.0f', a.min),
                         '(' .. string.format('%.0f', a.max),
                         'LIMIT', 0, a.limit)
  local items = {}
  for i, id in ipairs(ids) do
    local key = from_data('ref:' .. id)
    local r = redis.call('HMGET', key, 'brag', 'status', 'channel',
                         'received', 'owner', 'repeat')
    local item = {id = id, brag = r[1] or '', status = r[2] or '',
                  channel = r[3] or '', received = r[4] or '',
                  owner = r[5] or '', timers = {}}
    if r[6] then
      local ok, rep = pcall(cjson.decode, r[6])
      if ok and type(rep) == 'table' and tonumber(rep.count) then
        item.repeat_count = tonumber(rep.count)
      end
    end
    for _, t in ipairs(TIMERS) do
      local v = redis.call('HMGET', key, 'due:' .. t, 'fired:' .. t,
                           'stopped:' .. t)
      if v[1] then
        item.timers[#item.timers + 1] = {timer = t, due = v[1],
                                         fired = v[2] or '',
                                         stopped = v[3] or ''}
      end
    end
    items[i] = item
  end
  return {items = items}
end)
