-- audit_verify: check one page of the audit's chain (lib.lua, audit()),
-- and, at its end or at the first break, record the verification, itself
-- an audit event. mashd calls it page after page, passing back the
-- cursor it answered, so no call runs long (ctl_audit.c).
-- Arguments: from ("" for the first event, else the id to start at),
--   after (the last event checked, "" on the first page), prev_hash (its
--   hash), chained (it carried one), checked, unchained (events so far,
--   and those of them written before the chain existed), limit, actor,
--   at (ms).
-- Answer: {done, checked, unchained, after, prev_hash, chained, and when
--   done: ok, event and what (the first break: "changed", "removed",
--   "inserted" or "miscopied"), head (the last event's id and hash)}.
-- KEYS: events events:head audit:verified
local p = ARGV[1]

-- Stream ids "ms-seq", compared as numbers.
local function id_less(x, y)
  local xm, xs = string.match(x, '^(%d+)-(%d+)$')
  local ym, ys = string.match(y, '^(%d+)-(%d+)$')
  if tonumber(xm) ~= tonumber(ym) then return tonumber(xm) < tonumber(ym) end
  return tonumber(xs) < tonumber(ys)
end

-- The break at event `id` (fields f) that follows event prev, or nil.
local function check(id, f, prev, prev_hash, chained)
  if not f.hash then
    if chained then return id, 'inserted' end
    return nil
  end
  if f.prev ~= prev then
    if f.prev and string.match(f.prev, '^%d+%-%d+$') and id_less(prev, f.prev)
    then
      return f.prev, 'removed'
    end
    return prev, 'inserted'
  end
  local want = audit_hash(f.prev, prev_hash, f.ref or '', f.at or '',
                          f.actor or '', f.action or '', f.detail or '')
  if want ~= f.hash then return id, 'changed' end
  return nil
end

return serve(function(a)
  local events = declared('events')
  local prev, prev_hash, chained = a.after, a.prev_hash, a.chained
  local start = '(' .. a.after
  if a.after == '' then
    prev, prev_hash, chained, start = '0-0', '', false, '-'
    if a.from ~= '' then
      if not string.match(a.from, '^%d+%-%d+$') then
        refuse('--from wants an event id, such as 1764432000000-0')
      end
      start = a.from
      local b = redis.call('XREVRANGE', events, '(' .. a.from, '-',
                           'COUNT', 1)
      if b[1] then
        local f = {}
        for i = 1, #b[1][2], 2 do f[b[1][2][i]] = b[1][2][i + 1] end
        prev, prev_hash, chained = b[1][1], f.hash or '', f.hash ~= nil
      end
    end
  end
  local page = redis.call('XRANGE', events, start, '+', 'COUNT', a.limit)
  local checked, unchained = a.checked, a.unchained
  local bad, what
  for _, e in ipairs(page) do
    local f = {}
    for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
    bad, what = check(e[1], f, prev, prev_hash, chained)
    if bad then break end
    if f.hash then chained = true else unchained = unchained + 1 end
    prev, prev_hash = e[1], f.hash or ''
    checked = checked + 1
  end
  local out = {checked = checked, unchained = unchained, after = prev,
               prev_hash = prev_hash, chained = chained,
               done = bad ~= nil or #page < a.limit}
  if not out.done then return out end

  local head = redis.call('HMGET', declared('events:head'), 'id', 'hash')
  if not bad and head[1] and head[1] ~= prev then
    -- The last event written is gone (or one was added after it).
    if id_less(prev, head[1]) then
      bad, what = head[1], 'removed'
    else
      bad, what = prev, 'inserted'
    end
  elseif not bad and head[1] and (head[2] or '') ~= prev_hash then
    -- The head names the last event but holds another hash: lib.lua's
    -- audit() chains the next event from it, so it is a break here, not
    -- the next event's 'changed' later.
    bad, what = prev, 'miscopied'
  end
  out.ok = bad == nil
  out.event, out.what = bad or '', what or ''
  out.head = {id = head[1] or '', hash = head[2] or ''}
  local detail = 'ok: ' .. checked .. ' events, ' .. unchained ..
                 ' before the chain'
  if bad then detail = 'FAILED: event ' .. bad .. ' ' .. what end
  if a.from ~= '' then detail = detail .. ' (from ' .. a.from .. ')' end
  redis.call('HSET', declared('audit:verified'), 'at', a.at, 'actor', a.actor,
             'ok', bad and '0' or '1', 'checked', checked,
             'unchained', unchained, 'event', bad or '', 'what', what or '',
             'from', a.from)
  audit(p, '', a.at, a.actor, 'verify', detail)
  return out
end)
