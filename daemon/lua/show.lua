-- show: a referral's whole stored record; the read is audited.
-- Arguments: id, actor, at (ms).
-- Answer: {fields = [{name, value}], ratings = [{at, actor, action,
-- detail}], related = [{id, received, brag, status, outcome}]}: the
-- record's hash in its stored order (but the child's key); its ratings
-- from the audit trail (the submit's, then each re-rating); and every
-- other referral about the same child (by the child's key when the
-- referral has one, else the earlier ones its repeat field names), or {}
-- when there is no such referral.
-- KEYS: ref:$id ref:$id:audit events
-- Keys from data: child:<key> of the referral, ref:<id> of each related.
local p = ARGV[1]

-- At most this many related referrals: a child referred more often is
-- listed in full by `mashctl child`.
local RELATED_MAX = 50

local function related_of(id, child, rep)
  local ids = {}
  if child then
    ids = redis.call('ZRANGE', from_data('child:' .. child), 0, -1)
  elseif rep then
    local ok, r = pcall(cjson.decode, rep)
    if ok and type(r) == 'table' and type(r.previous) == 'table' then
      ids = r.previous
    end
  end
  local out = {}
  for _, other in ipairs(ids) do
    if other ~= id and type(other) == 'string' and #out < RELATED_MAX then
      local r = redis.call('HMGET', from_data('ref:' .. other), 'received',
                           'brag', 'status', 'outcome')
      out[#out + 1] = {id = other, received = r[1] or '', brag = r[2] or '',
                       status = r[3] or '', outcome = r[4] or ''}
    end
  end
  return out
end

return serve(function(a)
  local all = redis.call('HGETALL', declared('ref:' .. a.id))
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
  return {fields = fields,
          ratings = audit_of(a.id, {submit = true, rate = true}),
          related = related_of(a.id, child, rep)}
end)
