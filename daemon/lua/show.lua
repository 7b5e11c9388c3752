-- show: a referral's whole stored record; the read is audited.
-- Arguments: id, actor, at (ms).
-- Answer: {fields = [{name, value}], ratings = [{at, actor, action,
-- detail}], related = [{id, received, brag, status, outcome, damaged}],
-- related_damaged}: the record's hash in its stored order (but the
-- child's key); its ratings from the audit trail (the submit's, then each
-- re-rating); and every other referral about the same child (by the
-- child's key when the referral has one, else the earlier ones its
-- repeat field names), or {} when there is no such referral. A related
-- referral whose record is damaged (lib.lua) is listed with status
-- "damaged" and damaged saying how ("not a hash", "missing"); a child's
-- list that is damaged lists none, and related_damaged says so; its
-- own list of events damaged, ratings is [] and ratings_damaged says so.
-- A referral that is itself damaged is refused, saying so.
-- KEYS: ref:$id ref:$id:audit events
-- Keys from data: child:<key> of the referral, ref:<id> of each related.
local p = ARGV[1]

-- At most this many related referrals: a child referred more often is
-- listed in full by `mashctl child`.
local RELATED_MAX = 50

local function related_of(id, child, rep)
  local ids = {}
  if child then
    ids = call_undamaged('ZRANGE', from_data('child:' .. child), 0, -1)
    if not ids then
      return {}, 'the child\'s list of referrals is not a sorted set'
    end
  elseif rep then
    local ok, r = pcall(cjson.decode, rep)
    if ok and type(r) == 'table' and type(r.previous) == 'table' then
      ids = r.previous
    end
  end
  local out = {}
  for _, other in ipairs(ids) do
    if other ~= id and type(other) == 'string' and #out < RELATED_MAX then
      local r = call_undamaged('HMGET', from_data('ref:' .. other),
                               'received', 'brag', 'status', 'outcome')
      -- Every stored referral has a status: a hash without one is no
      -- referral's (or none is there).
      local damaged = not r and 'not a hash' or not r[3] and 'missing'
      if damaged then
        out[#out + 1] = {id = other, received = '', brag = '',
                         status = 'damaged', outcome = '', damaged = damaged}
      else
        out[#out + 1] = {id = other, received = r[1] or '',
                         brag = r[2] or '', status = r[3],
                         outcome = r[4] or ''}
      end
    end
  end
  return out
end

return serve(function(a)
  local all = call_undamaged('HGETALL', declared('ref:' .. a.id))
  if not all then
    refuse('referral ' .. a.id .. ' is damaged: its record is not a hash')
  end
  if #all == 0 then return {} end
  audit(p, a.id, a.at, a.actor, 'show', 'record read')
  local fields, child, rep = {}, nil, nil
  for i = 1, #all, 2 do
    if all[i] == 'child' then
      child = all[i + 1]
    elseif all[i] == 'categories' then -- the record's, kept for queue.lua
    else
      if all[i] == 'repeat' then rep = all[i + 1] end
      fields[#fields + 1] = {name = all[i], value = all[i + 1]}
    end
  end
  local related, related_damaged = related_of(a.id, child, rep)
  local ratings = audit_of(a.id, {submit = true, rate = true})
  return {fields = fields, ratings = ratings or {},
          ratings_damaged = not ratings and
                            'its list of events is not a list' or nil,
          related = related, related_damaged = related_damaged}
end)
