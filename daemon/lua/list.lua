-- list: the referrals that left the queue (decided), or all of them, a
-- page at a time, newest first: by the instant of the decision, or of
-- receipt with `all`. Filters: since/until (ms, inclusive), brag,
-- outcome, agency (a part of the referrer's agency or the client's name,
-- any case). A page ends at `limit` referrals or after `scan` entries of
-- the index were read, whichever comes first; `next` then names where
-- the following page begins, so paging shows each referral once. Reads
-- only.
-- Arguments: all (bool), since, until (ms, optional), brag, outcome,
--   agency (optional), after (a previous answer's next, optional), limit,
--   scan.
-- Answer: {items = [{id, brag, status, outcome, channel, client, agency,
--   owner, received, decided (ms or "")}], next (absent at the end),
--   scanned}. A referral whose record is damaged (lib.lua), whatever the
--   filters: {id, status = "damaged", damaged = "not a hash"}, or, for
--   one the index names whose record is missing or has no status (no
--   referral is ever removed), damaged = "missing", as child.lua says.
-- KEYS: index:received index:decided
-- Keys from data: ref:<id> of each referral read.
local p = ARGV[1]

local CHUNK = 200

local function agency_of(record)
  local ok, r = pcall(cjson.decode, record or '')
  if ok and type(r) == 'table' and type(r.referrer) == 'table' and
     type(r.referrer.agency) == 'string' then
    return r.referrer.agency
  end
  return ''
end

-- The referral `id` as an item when it passes the filters, else nil.
local function item_of(a, id)
  local key = from_data('ref:' .. id)
  local r = call_undamaged('HMGET', key, 'brag', 'status', 'outcome',
                           'channel', 'client', 'owner', 'received',
                           'decided')
  if not r then
    return {id = id, status = 'damaged', damaged = 'not a hash'}
  end
  if not r[2] then -- named by the index, yet no referral there
    return {id = id, status = 'damaged', damaged = 'missing'}
  end
  if not a.all and r[2] ~= 'decided' then return nil end -- reopened
  if a.brag and r[1] ~= a.brag then return nil end
  if a.outcome and r[3] ~= a.outcome then return nil end
  -- The record is read, and decoded, only for one the cheap tests kept.
  local raw = redis.call('HGET', key, 'record') or ''
  if a.agency then
    local want = string.lower(a.agency)
    local client = string.find(string.lower(r[5] or ''), want, 1, true)
    -- Text with nothing JSON escapes is in the record as it is: one
    -- without it there is not in its agency either, and is not decoded.
    if not client and not string.find(want, '["\\%c]') and
       not string.find(string.lower(raw), want, 1, true) then
      return nil
    end
    if not client and
       not string.find(string.lower(agency_of(raw)), want, 1, true) then
      return nil
    end
  end
  local agency = agency_of(raw)
  return {id = id, brag = r[1] or '', status = r[2], outcome = r[3] or '',
          channel = r[4] or '', client = r[5] or '', owner = r[6] or '',
          received = r[7] or '', decided = r[8] or '', agency = agency}
end

return serve(function(a)
  local key = declared(a.all and 'index:received' or 'index:decided')
  local max = a['until'] and string.format('%.0f', a['until']) or '+inf'
  local min = a.since and string.format('%.0f', a.since) or '-inf'
  local after_score, after_id
  if a.after then
    local s, id = string.match(a.after, '^(%d+):(.+)$')
    if not s then refuse('"' .. a.after .. '" is not a page of this list') end
    after_score, after_id = tonumber(s), id
    if max == '+inf' or after_score < tonumber(max) then max = s end
  end
  local pg = {items = {}, scanned = 0, limit = a.limit, scan = a.scan}
  local item = function(id) return item_of(a, id) end
  local offset = 0
  while true do
    local chunk = redis.call('ZREVRANGEBYSCORE', key, max, min,
                             'WITHSCORES', 'LIMIT', offset, CHUNK)
    if #chunk == 0 then return {items = pg.items, scanned = pg.scanned} end
    for i = 1, #chunk, 2 do
      local id, score = chunk[i], tonumber(chunk[i + 1])
      -- Equal scores come in reverse order of the reference.
      if not (after_score and score == after_score and id >= after_id) and
         not page_take(pg, id, score, item) then
        return {items = pg.items, scanned = pg.scanned, next = pg.last}
      end
    end
    offset = offset + CHUNK
  end
end)
