-- queue: one page of the open referrals with queue scores in [min, max),
-- in the queue's order, with their timers.
-- Arguments: min, max (queue scores); limit (items at most); scan
-- (referrals looked at, at most: the bound of one call however few pass
-- the filters); after ("" or the cursor of the page before, "score:id");
-- filters: owner (held by this actor), unclaimed, overdue (a deadline
-- fired and not stopped); counts (also count the queue per rating).
-- Answer: {now (Redis's clock, by which timers fire), items = [{id, brag,
-- status, channel, received (ms), owner ("" for none), repeat_count
-- (absent unless a repeat), categories (the concern's), timers = [{timer,
-- due, fired, stopped}]}], next (absent at the end of the range: else the
-- cursor of the next page), counts = {red, amber, green, blue} when
-- asked}: the timers it has, in TIMERS order, each time in ms or "". The queue is ordered by score, then reference (as
-- Redis orders a sorted set), so a cursor names one place in it: paging
-- on from it gives each referral once, bar one re-rated meanwhile.
-- KEYS: queue
-- Keys from data: ref:<id> of each referral looked at.
local p = ARGV[1]

local FIELDS = {'brag', 'status', 'channel', 'received', 'owner', 'repeat',
                'record'}
local PER_TIMER = {'fired', 'stopped'}

local function overdue(timers)
  for _, t in ipairs(timers) do
    if t.fired and not t.stopped then
      for _, d in ipairs(DEADLINES) do
        if d == t.timer then return true end
      end
    end
  end
  return false
end

-- The item of a referral, or nil when the filters leave it out.
local function item_of(a, id)
  local r, timers = read_referral(from_data('ref:' .. id), FIELDS,
                                  PER_TIMER)
  if (a.owner and r.owner ~= a.owner) or (a.unclaimed and r.owner)
     or (a.overdue and not overdue(timers)) then
    return nil
  end
  local item = {id = id, brag = r.brag or '', status = r.status or '',
                channel = r.channel or '', received = r.received or '',
                owner = r.owner or '', timers = {}, categories = {}}
  if r['repeat'] then
    local ok, rep = pcall(cjson.decode, r['repeat'])
    if ok and type(rep) == 'table' and tonumber(rep.count) then
      item.repeat_count = tonumber(rep.count)
    end
  end
  local ok, rec = pcall(cjson.decode, r.record or '')
  local cats = ok and type(rec) == 'table' and type(rec.concern) == 'table'
               and rec.concern.categories
  if type(cats) == 'table' then
    for _, c in ipairs(cats) do
      if type(c) == 'string' then
        item.categories[#item.categories + 1] = c
      end
    end
  end
  for k, t in ipairs(timers) do
    item.timers[k] = {timer = t.timer, due = t.due, fired = t.fired or '',
                      stopped = t.stopped or ''}
  end
  return item
end

return serve(function(a)
  local from, skip_score, skip_id = string.format('%.0f', a.min), nil, nil
  local to = '(' .. string.format('%.0f', a.max)
  if a.after and a.after ~= '' then
    local s, id = string.match(a.after, '^(%d+):(' .. REF_PATTERN .. ')$')
    if not s then refuse('"' .. a.after .. '" is not a queue cursor') end
    if tonumber(s) > tonumber(from) then from = s end
    skip_score, skip_id = tonumber(s), id
  end
  local pg = {items = {}, scanned = 0, limit = a.limit, scan = a.scan}
  local item = function(id) return item_of(a, id) end
  local offset, next_cursor = 0, nil
  local batch = math.min(a.limit + 1, 1000)
  while next_cursor == nil do
    local got = redis.call('ZRANGEBYSCORE', declared('queue'), from, to,
                           'WITHSCORES', 'LIMIT', offset, batch)
    offset = offset + #got / 2
    for i = 1, #got, 2 do
      local id, score = got[i], tonumber(got[i + 1])
      if not (skip_score and score == skip_score and id <= skip_id) and
         not page_take(pg, id, score, item) then
        next_cursor = pg.last
        break
      end
    end
    if next_cursor == nil and #got / 2 < batch then break end
  end
  local out = {now = redis_now(), items = pg.items, next = next_cursor}
  if a.counts then
    out.counts = {}
    for _, b in ipairs(BRAGS) do
      local lo = BRAG_RANK[b] * QUEUE_RANK_WIDTH
      out.counts[b] = redis.call('ZCOUNT', declared('queue'),
                                 string.format('%.0f', lo), '(' ..
                                 string.format('%.0f', lo + QUEUE_RANK_WIDTH))
    end
  end
  return out
end)
