-- queue: one page of the open referrals with queue scores in [min, max),
-- in the queue's order, with their timers.
-- Arguments: min, max (queue scores); limit (items at most); scan
-- (referrals looked at, at most: the bound of one call however few pass
-- the filters); after ("" or the cursor of the page before, "score:id");
-- filters: owner (held by this actor), unclaimed, overdue (a deadline
-- fired and not stopped); counts (also count the queue per rating); ids
-- (no record read: the items are the references alone, for a stream
-- without filters, which mashd reads itself: ctl_queue_read.c).
-- Answer (serve_reply): the page's head, a JSON object's text {now
-- (Redis's clock, by which timers fire, ISO 8601 UTC), count (items),
-- next (absent at the end of the range: else the cursor of the next
-- page), counts = {red, amber, green, blue} when asked}; then its items,
-- each as read (below), of which mashd makes the JSON object
-- `mashctl queue --json` shows (daemon/queue_item.c): {id, brag,
-- status, channel, received, categories, overdue (the deadlines fired and
-- not stopped), timers (by name: {due, fired, stopped}), next_due (null
-- or {timer, due}: the deadline to come first), owner (null for none),
-- repeat (null, or the count of the child's referrals)}, every time ISO
-- 8601 UTC or null; a referral whose record is damaged (lib.lua), whatever
-- the filters: {id, status = "damaged", damaged = "not a hash" or
-- "missing"}. The queue is ordered by score, then reference (as
-- Redis orders a sorted set), so a cursor names one place in it: paging
-- on from it gives each referral once, bar one re-rated meanwhile.
-- KEYS: queue
-- Keys from data: ref:<id> of each referral looked at.

-- Lua selects, mashd shows: each item goes to mashd as what was read of
-- it, and mashd writes its JSON (daemon/queue_item.c, the one builder of
-- items, for pages and streams): {id, fields (the HMGET's array as read:
-- WANT's fields, false for a missing one), categories (the strings of
-- the list shown, below), repeat (the count of the child's referrals as
-- integer text, or false)}; a referral whose record is damaged: {id,
-- "not a hash" or "missing"}. What is decided stays here: the range, the
-- cursor, the filters, the counts, the categories read from the record
-- when the field cannot be shown. Redis's instructions a referral at
-- 100,000 open (callgrind, copies with times of their own): 129,400
-- when items were made here as JSON text; see BENCHMARKS.md for now.
-- ITEMS[1] is the head's place.
local ITEMS = {'head'}

-- f, whose answer for each argument is kept for the call: the parts of
-- items that repeat (categories' texts) are read once.
local function once(f)
  local made = {}
  return function(x)
    local v = made[x]
    if v == nil then
      v = f(x)
      made[x] = v
    end
    return v
  end
end

-- The fields read of a referral (one HMGET): these, then for each timer
-- of TIMERS its due, fired and stopped (T_AT[k]: where the k-th's due is).
-- queue_item.c reads them in this order.
local F_STATUS, F_OWNER, F_REPEAT, F_CATS = 2, 5, 6, 7
local WANT = {'brag', 'status', 'channel', 'received', 'owner', 'repeat',
              'categories'}
local IS_DEADLINE = {}
for _, d in ipairs(DEADLINES) do IS_DEADLINE[d] = true end
local NT, T_AT, T_DEADLINE = #TIMERS, {}, {}
for k, t in ipairs(TIMERS) do
  T_AT[k] = #WANT + 1
  WANT[#WANT + 1] = 'due:' .. t
  WANT[#WANT + 1] = 'fired:' .. t
  WANT[#WANT + 1] = 'stopped:' .. t
  T_DEADLINE[k] = IS_DEADLINE[t] or false
end

-- A deadline fired and not stopped (the --overdue filter).
local function overdue(v)
  for k = 1, NT do
    local at = T_AT[k]
    if v[at] and v[at + 1] and not v[at + 2] and T_DEADLINE[k] then
      return true
    end
  end
  return false
end

-- The strings of a list (a Lua table, else none), in a table.
local function strings_of(list)
  local out = {}
  if type(list) == 'table' then
    for _, c in ipairs(list) do
      if type(c) == 'string' then out[#out + 1] = c end
    end
  end
  return out
end

-- The strings a stored categories field shows, once for each text of a
-- call (few differ): false when it is no JSON list with a string in it
-- (an object, numbers: then the record's are shown).
local cats_shown = once(function(text)
  local ok, list = pcall(cjson.decode, text)
  local shown = ok and type(list) == 'table' and strings_of(list)
  return shown and #shown > 0 and shown
end)

-- The concern's categories: the field submit.lua keeps, or, for a
-- referral stored before it kept one (or whose field cannot be read),
-- read from the record.
local function categories_of(cats, key)
  local shown = cats and cats_shown(cats)
  if shown then return shown end
  local ok, rec = pcall(cjson.decode, redis.call('HGET', key, 'record') or '')
  return strings_of(ok and type(rec) == 'table' and
                    type(rec.concern) == 'table' and rec.concern.categories)
end

-- How many referrals of the child a repeat counts, as integer text, or
-- false.
local function repeat_of(text)
  local ok, rep = false, nil
  if text then ok, rep = pcall(cjson.decode, text) end
  local n = ok and type(rep) == 'table' and tonumber(rep.count)
  return n and string.format('%d', n) or false
end

-- A referral's item, onto the page: true, or nil when the filters leave
-- it out.
local function item_of(a, id)
  if a.ids then
    ITEMS[#ITEMS + 1] = id
    return true
  end
  local key = from_data('ref:' .. id)
  local v = call_undamaged('HMGET', key, unpack(WANT))
  -- Every stored referral has a status: without one, it is gone.
  local damaged = not v and 'not a hash' or not v[F_STATUS] and 'missing'
  if damaged then
    ITEMS[#ITEMS + 1] = {id, damaged}
    return true
  end
  local owner = v[F_OWNER]
  if (a.owner and owner ~= a.owner) or (a.unclaimed and owner)
     or (a.overdue and not overdue(v)) then
    return nil
  end
  ITEMS[#ITEMS + 1] = {id, v, categories_of(v[F_CATS], key),
                       v[F_REPEAT] and repeat_of(v[F_REPEAT]) or false}
  return true
end

return serve_reply(function(a)
  if a.ids and (a.owner or a.unclaimed or a.overdue) then
    refuse('the references alone are for no filter')
  end
  local from, skip_score, skip_id = string.format('%.0f', a.min), nil, nil
  local to = '(' .. string.format('%.0f', a.max)
  if a.after and a.after ~= '' then
    local s, id = string.match(a.after, '^(%d+):(' .. REF_PATTERN .. ')$')
    if not s then refuse('"' .. a.after .. '" is not a queue cursor') end
    if tonumber(s) > tonumber(from) then from = s end
    skip_score, skip_id = tonumber(s), id
  end
  -- As lib.lua's page_take(), but the cursor made once, at the end: a
  -- page is at most `limit` items and `scan` referrals looked at, and
  -- the next starts after the last one looked at. One more than a page
  -- is read, to know whether another follows.
  local taken, scanned, last_id = 0, 0, nil
  local offset, next_cursor, more = 0, nil, true
  local batch = math.min(a.limit + 1, 1001)
  -- The references without their scores (Redis would write each as a
  -- double, and Lua read it back): the cursor's score is asked of the
  -- last one looked at, and the skip's of the first ones, whose score
  -- may be the cursor's, until one is past it.
  local skipping = skip_score ~= nil
  while more do
    local got = redis.call('ZRANGEBYSCORE', declared('queue'), from, to,
                           'LIMIT', offset, batch)
    offset = offset + #got
    for i = 1, #got do
      local id = got[i]
      if skipping then
        local score = tonumber(redis.call('ZSCORE', declared('queue'), id))
        skipping = score == skip_score
        if skipping and id <= skip_id then id = nil end
      end
      if id then
        if taken >= a.limit or scanned >= a.scan then
          next_cursor = string.format('%.0f', tonumber(redis.call(
            'ZSCORE', declared('queue'), last_id))) .. ':' .. last_id
          break
        end
        scanned = scanned + 1
        last_id = id
        if item_of(a, id) then taken = taken + 1 end
      end
    end
    more = next_cursor == nil and #got == batch
  end
  local head = {now = iso_time(tonumber(redis_now()) or 0), count = taken,
                next = next_cursor}
  if a.counts then
    head.counts = {}
    for _, b in ipairs(BRAGS) do
      local lo = BRAG_RANK[b] * QUEUE_RANK_WIDTH
      head.counts[b] = redis.call('ZCOUNT', declared('queue'),
                                  string.format('%.0f', lo), '(' ..
                                  string.format('%.0f',
                                                lo + QUEUE_RANK_WIDTH))
    end
  end
  ITEMS[1] = cjson.encode(head)
  return ITEMS
end)
