-- child: every referral about one child, found by the child's keys of
-- repeat detection (HMACs of the names and the date of birth, made by
-- mashd: Redis holds no name), oldest first. The search is audited: once
-- for the hub, and on each referral found.
-- Arguments: k1 .. k4 (the child's keys, one for each way the name may
--   split; k1 at least), actor, at (ms).
-- Answer: {items = [{id, received, brag, status, outcome, decided,
--   channel}], damaged_lists (how many of the child's lists could not be
--   read: damaged, lib.lua)}. A referral whose record is damaged is
--   {id, status = "damaged", damaged = "not a hash" or "missing"}.
-- KEYS: child:$k1 child:$k2 child:$k3 child:$k4 events
-- Keys from data: ref:<id> and ref:<id>:audit of each referral found.
local p = ARGV[1]
return serve(function(a)
  local seen, found, lists_damaged = {}, {}, 0
  for n = 1, 4 do
    local k = a['k' .. n]
    if type(k) == 'string' then
      local list = call_undamaged('ZRANGE', declared('child:' .. k), 0, -1,
                                  'WITHSCORES')
      if not list then
        lists_damaged, list = lists_damaged + 1, {}
      end
      for i = 1, #list, 2 do
        if not seen[list[i]] then
          seen[list[i]] = true
          found[#found + 1] = {id = list[i], score = tonumber(list[i + 1])}
        end
      end
    end
  end
  table.sort(found, function(x, y)
    if x.score ~= y.score then return x.score < y.score end
    return x.id < y.id
  end)
  audit(p, '', a.at, a.actor, 'child',
        'referrals of one child looked up: ' .. #found .. ' found')
  local items = {}
  for _, f in ipairs(found) do
    local r = call_undamaged('HMGET', from_data('ref:' .. f.id), 'received',
                             'brag', 'status', 'outcome', 'decided',
                             'channel')
    if r and r[3] then
      audit(p, f.id, a.at, a.actor, 'child',
            'listed in a look-up of its child\'s referrals')
      items[#items + 1] = {id = f.id, received = r[1] or '',
                           brag = r[2] or '', status = r[3],
                           outcome = r[4] or '', decided = r[5] or '',
                           channel = r[6] or ''}
    else -- nothing of it read, so no read of it to audit
      items[#items + 1] = {id = f.id, status = 'damaged',
                           damaged = r and 'missing' or 'not a hash'}
    end
  end
  return {items = items, damaged_lists = lists_damaged}
end)
