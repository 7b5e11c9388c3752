-- queue: one page of the open referrals with queue scores in [min, max),
-- in the queue's order, with their timers.
-- Arguments: min, max (queue scores); limit (items at most); scan
-- (referrals looked at, at most: the bound of one call however few pass
-- the filters); after ("" or the cursor of the page before, "score:id");
-- filters: owner (held by this actor), unclaimed, overdue (a deadline
-- fired and not stopped); counts (also count the queue per rating).
-- Answer (serve_reply: texts, which mashd passes on unparsed,
-- ctl_queue_page.c): the page's head, a JSON object {now (Redis's clock,
-- by which timers fire, ISO 8601 UTC), count (items), next (absent at the
-- end of the range: else the cursor of the next page), counts = {red,
-- amber, green, blue} when asked}; then its items, each a JSON object
-- in its final shape, as `mashctl queue --json` shows it: {id, brag,
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

-- Each item is one concatenation of its parts, each timer's one too;
-- a part that repeats (a rating, a state) is made once a call; times,
-- which on a hub all differ, are made each time.
-- Redis's instructions a referral at 100,000 open (callgrind): about
-- 129,000 when items were written a piece at a time by a function into a
-- table, 101,000 so (about 39,000 of them the HMGET), on copies sharing
-- their times; on copies with times of their own (as on a hub), 181,800
-- with each time kept for the call and made by string.format, 129,400
-- now. No page is made one string: mashd joins the items
-- (ctl_queue_page.c). ITEMS[1] is the head's place.
local ITEMS = {'head'}

-- A string field as JSON (json_str() when it has a byte to escape or to
-- check: a stored field may not be what mashd wrote).
local NOT_PLAIN = '[%z\1-\31"\\\128-\255]'
local function str_json(s)
  if string.find(s, NOT_PLAIN) then return json_str(s) end
  return '"' .. s .. '"'
end

-- A reference as JSON: one of REF_PATTERN's needs no check (its anchored
-- match costs Redis about half of NOT_PLAIN's search).
local REF_ONLY = '^' .. REF_PATTERN .. '$'
local function ref_json(s)
  if string.find(s, REF_ONLY) then return '"' .. s .. '"' end
  return str_json(s)
end

-- f, whose answer for each argument is kept for the call: the parts of
-- items that repeat (due times, ratings) are made once.
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

-- The same for a word of few values (a rating, a state, a channel).
local word_json = once(str_json)

-- An instant of the hash's (ms as text) as JSON: iso_time() quoted, in
-- one concatenation. Not kept for the call: on a hub no two referrals
-- share a time, and a table of 100,000s of them costs more than it saves
-- (lib.lua keeps each day's date).
local function qiso(ms)
  return iso_time(tonumber(ms) or 0, '"')
end

-- The fields read of a referral (one HMGET): these, then for each timer
-- of TIMERS its due, fired and stopped (T_AT[k]: where the k-th's due is).
local F_BRAG, F_STATUS, F_CHANNEL, F_RECEIVED, F_OWNER, F_REPEAT, F_CATS =
  1, 2, 3, 4, 5, 6, 7
local WANT = {'brag', 'status', 'channel', 'received', 'owner', 'repeat',
              'categories'}
local IS_DEADLINE = {}
for _, d in ipairs(DEADLINES) do IS_DEADLINE[d] = true end
local NT, T_AT, T_DEADLINE, T_OPEN, T_NAME = #TIMERS, {}, {}, {}, {}
for k, t in ipairs(TIMERS) do
  T_AT[k] = #WANT + 1
  WANT[#WANT + 1] = 'due:' .. t
  WANT[#WANT + 1] = 'fired:' .. t
  WANT[#WANT + 1] = 'stopped:' .. t
  T_DEADLINE[k] = IS_DEADLINE[t] or false
  T_OPEN[k] = '"' .. t .. '":{"due":'
  T_NAME[k] = '"' .. t .. '"'
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

-- The strings of a list (a Lua table, else none) as a JSON array.
local function strings_array(list)
  local out = {}
  if type(list) == 'table' then
    for _, c in ipairs(list) do
      if type(c) == 'string' then out[#out + 1] = json_str(c) end
    end
  end
  return '[' .. table.concat(out, ',') .. ']'
end

-- The JSON array a stored categories field shows as, once for each
-- text of a call (few differ): false when it is no JSON list with a
-- string in it (an object, numbers: then the record's are shown).
local cats_shown = once(function(text)
  local ok, list = pcall(cjson.decode, text)
  local shown = ok and type(list) == 'table' and strings_array(list)
  return shown ~= '[]' and shown
end)

-- The concern's categories as a JSON array: the field submit.lua keeps,
-- or, for a referral stored before it kept one (or whose field cannot be
-- read), read from the record.
local function categories_json(cats, key)
  local shown = cats and cats_shown(cats)
  if shown then return shown end
  local ok, rec = pcall(cjson.decode, redis.call('HGET', key, 'record') or '')
  return strings_array(ok and type(rec) == 'table' and
                       type(rec.concern) == 'table' and rec.concern.categories)
end

-- How many referrals of the child a repeat counts, as JSON, or null.
local function repeat_json(text)
  local ok, rep = false, nil
  if text then ok, rep = pcall(cjson.decode, text) end
  local n = ok and type(rep) == 'table' and tonumber(rep.count)
  return n and string.format('%d', n) or 'null'
end

-- An item's timers (by name, joined by commas), overdue (the deadlines
-- fired and not stopped) and next_due (the deadline to come first), as
-- mashctl shows them.
local TPARTS = {}
local function timers_json(v)
  local n, late, next_k, next_due, next_at = 0, '', nil, nil, nil
  for k = 1, NT do
    local at = T_AT[k]
    local due = v[at]
    if due then
      local fired, stopped = v[at + 1], v[at + 2]
      if fired == '' then fired = false end
      if stopped == '' then stopped = false end
      n = n + 1
      local d = tonumber(due) or 0
      local qdue = iso_time(d, '"')
      TPARTS[n] = T_OPEN[k] .. qdue .. ',"fired":' ..
                  (fired and qiso(fired) or 'null') .. ',"stopped":' ..
                  (stopped and qiso(stopped) or 'null') .. '}'
      if T_DEADLINE[k] and not stopped then
        if fired then
          late = late == '' and T_NAME[k] or late .. ',' .. T_NAME[k]
        elseif next_k == nil or d < next_due then
          next_k, next_due, next_at = k, d, qdue
        end
      end
    end
  end
  local nd = 'null'
  if next_k then
    nd = '{"timer":' .. T_NAME[next_k] .. ',"due":' .. next_at .. '}'
  end
  return table.concat(TPARTS, ',', 1, n), late, nd
end

-- A referral's item, onto the page: true, or nil when the filters leave
-- it out.
local function item_of(a, id)
  local key = from_data('ref:' .. id)
  local v = call_undamaged('HMGET', key, unpack(WANT))
  -- Every stored referral has a status: without one, it is gone.
  local damaged = not v and 'not a hash' or not v[F_STATUS] and 'missing'
  if damaged then
    ITEMS[#ITEMS + 1] = '{"id":' .. str_json(id) ..
                        ',"status":"damaged","damaged":"' .. damaged .. '"}'
    return true
  end
  local owner = v[F_OWNER]
  if (a.owner and owner ~= a.owner) or (a.unclaimed and owner)
     or (a.overdue and not overdue(v)) then
    return nil
  end
  local timers, late, next_due = timers_json(v)
  ITEMS[#ITEMS + 1] =
    '{"id":' .. ref_json(id) .. ',"brag":' .. word_json(v[F_BRAG] or '') ..
    ',"status":' .. word_json(v[F_STATUS] or '') ..
    ',"channel":' .. word_json(v[F_CHANNEL] or '') ..
    ',"received":' .. qiso(v[F_RECEIVED] or '') ..
    ',"categories":' .. categories_json(v[F_CATS], key) ..
    ',"overdue":[' .. late .. '],"timers":{' .. timers ..
    '},"next_due":' .. next_due ..
    ',"owner":' .. (owner and owner ~= '' and str_json(owner) or 'null') ..
    ',"repeat":' .. repeat_json(v[F_REPEAT]) .. '}'
  return true
end

return serve_reply(function(a)
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
