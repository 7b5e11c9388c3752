-- alerts: the newest alerts with their delivery state, newest first.
-- ARGV: prefix, count, state ("" for any)
-- Returns one JSON text per alert.
local p, count, want = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local out = {}
local entries = redis.call('XREVRANGE', p .. 'outbox', '+', '-',
                           'COUNT', count)
for _, e in ipairs(entries) do
  local id, f = e[1], e[2]
  local fields = {}
  for i = 1, #f, 2 do fields[f[i]] = f[i + 1] end
  local a = redis.call('HMGET', p .. 'alert:' .. id, 'state', 'attempts',
                       'last_error', 'next_at', 'sent', 'dead')
  local state = a[1] or 'pending'
  if want == '' or want == state then
    out[#out + 1] = cjson.encode({
      id = id, event = fields.event, ref = fields.ref, brag = fields.brag,
      at = fields.at, state = state, attempts = tonumber(a[2] or '0'),
      last_error = a[3] or '', next_at = a[4] or '', sent = a[5] or '',
      dead = a[6] or ''})
  end
end
return out
