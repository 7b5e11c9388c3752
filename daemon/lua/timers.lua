-- timers: every open referral's timers, each with the instant it started,
-- so that a reload (SIGHUP) works each out again from its own start.
-- The script that starts a timer records its start as start:<timer>
-- (submit.lua at receipt, rate.lua for screening at the re-rating). A
-- referral stored before starts were recorded has none: its timers
-- started at receipt, but screening at its last re-rating, read from its
-- audit trail.
-- Arguments: limit (referrals at most).
-- Answer: {items = [{id, brag, received, timers = [{timer, start}]}]}:
-- the timers it has, in TIMERS order; times in ms, as strings.
-- KEYS: queue events
-- Keys from data: ref:<id> and ref:<id>:audit of each referral in the
-- queue.
local p = ARGV[1]

-- The instant of a referral's last re-rating, or nil.
local function last_rating(id)
  local eids = redis.call('LRANGE', from_data('ref:' .. id .. ':audit'), 0,
                         -1)
  for i = #eids, 1, -1 do
    local e = redis.call('XRANGE', declared('events'), eids[i], eids[i])
    if e[1] then
      local f, ev = e[1][2], {}
      for j = 1, #f, 2 do ev[f[j]] = f[j + 1] end
      if ev.action == 'rate' then return ev.at end
    end
  end
  return nil
end

return serve(function(a)
  local items = {}
  for i, id in ipairs(redis.call('ZRANGE', declared('queue'), 0,
                                 a.limit - 1)) do
    local r, timers = read_referral(from_data('ref:' .. id),
                                    {'brag', 'received'}, {'start'})
    local item = {id = id, brag = r.brag or '', received = r.received or '',
                  timers = {}}
    local recorded = false
    for k, t in ipairs(timers) do
      item.timers[k] = {timer = t.timer, start = t.start}
      if t.start then recorded = true end
    end
    for _, t in ipairs(item.timers) do
      if not t.start then
        if not recorded and t.timer == TIMER.SCREENING then
          t.start = last_rating(id)
        end
        t.start = t.start or item.received
      end
    end
    items[i] = item
  end
  return {items = items}
end)
