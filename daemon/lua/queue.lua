-- queue: the open referrals with queue scores in [min, max), in order,
-- with their timers.
-- ARGV: prefix, min_score, max_score, limit
-- Returns one {id, brag, status, channel, received_ms, owner, repeat_count,
-- t1, due, fired, stopped, t2, ...} per referral (QUEUE_FIXED fields, then
-- four for each timer it has).
local p, min, max, limit = unpack(ARGV)
local ids = redis.call('ZRANGEBYSCORE', p .. 'queue', min, '(' .. max,
                       'LIMIT', 0, tonumber(limit))
local out = {}
for i, id in ipairs(ids) do
  local key = p .. 'ref:' .. id
  local r = redis.call('HMGET', key, 'brag', 'status', 'channel', 'received',
                       'owner', 'repeat')
  local count = ''
  if r[6] then
    local ok, rep = pcall(cjson.decode, r[6])
    if ok and type(rep) == 'table' and rep.count then
      count = tostring(rep.count)
    end
  end
  local item = {id, r[1] or '', r[2] or '', r[3] or '', r[4] or '',
                r[5] or '', count}
  for _, t in ipairs(TIMERS) do
    local v = redis.call('HMGET', key, 'due:' .. t, 'fired:' .. t,
                         'stopped:' .. t)
    if v[1] then
      item[#item + 1] = t
      item[#item + 1] = v[1]
      item[#item + 1] = v[2] or ''
      item[#item + 1] = v[3] or ''
    end
  end
  out[i] = item
end
return out
