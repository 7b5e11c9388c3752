-- show: a referral's whole stored record; the read is audited.
-- Arguments: id, actor, at (ms).
-- Answer: {fields = [{name, value}]}, the record's hash in its stored
-- order, or {} when there is no such referral.
-- KEYS: ref:$id ref:$id:audit events
local p = ARGV[1]
return serve(function(a)
  local all = redis.call('HGETALL', declared('ref:' .. a.id))
  if #all == 0 then return {} end
  audit(p, a.id, a.at, a.actor, 'show', 'record read')
  local fields = {}
  for i = 1, #all, 2 do
    fields[#fields + 1] = {name = all[i], value = all[i + 1]}
  end
  return {fields = fields}
end)
