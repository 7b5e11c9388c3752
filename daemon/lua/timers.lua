-- timers: one page of the open referrals' timers, each with the instant
-- it started, so that a reload (SIGHUP) works each out again from its own
-- start (recompute.c), a page a call, so that no call holds Redis for
-- long however long the queue is. The script that starts a timer records
-- its start as start:<timer> (submit.lua at receipt, rate.lua for
-- screening at the re-rating). A referral stored before starts were
-- recorded has none: its timers started at receipt, but screening at its
-- last re-rating, read from its audit trail.
-- The queue is read by ZSCAN from the cursor this answered last ("0" to
-- begin, "0" again when done): a referral in the queue throughout is read
-- at least once whatever is added, removed or re-scored between pages,
-- and may be read twice (mashd counts it once); one added or decided
-- meanwhile may be read or not.
-- Arguments: cursor, page_size (referrals a page, about: a queue small
-- enough for Redis's compact encoding, zset-max-listpack-entries, 128 by
-- default, comes whole).
-- Answer: {cursor, total (the queue's length now), items = [{id, brag,
-- received, timers = [{timer, start}]}]}: the timers it has, in TIMERS
-- order; times in ms, as strings. A referral whose record is damaged
-- (lib.lua) is {id, damaged = "not a hash"}, and worked out by none; one
-- whose list of events is damaged, as one with no re-rating.
-- KEYS: queue events
-- Keys from data: ref:<id> and ref:<id>:audit of each referral on the
-- page.
local p = ARGV[1]

-- The instant of a referral's last re-rating, or nil.
local function last_rating(id)
  local eids = call_undamaged('LRANGE', from_data('ref:' .. id .. ':audit'),
                              0, -1) or {}
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

-- One referral's timers, each with its start.
local function item_of(id)
  local r, timers = read_referral(from_data('ref:' .. id),
                                  {'brag', 'received'}, {'start'})
  if not r then return {id = id, damaged = 'not a hash'} end
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
  return item
end

return serve(function(a)
  local queue = declared('queue')
  local r = redis.call('ZSCAN', queue, a.cursor, 'COUNT', a.page_size)
  local items, page = {}, r[2]
  for i = 1, #page, 2 do items[#items + 1] = item_of(page[i]) end
  return {cursor = r[1], total = redis.call('ZCARD', queue), items = items}
end)
