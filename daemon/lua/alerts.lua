-- alerts: the newest alerts with their delivery state, newest first; an
-- alert whose referrer gets a call-back instead is "callback", with the
-- task's id.
-- Arguments: count, state ("" or absent for any).
-- Answer: {alerts = [{id, event, ref, brag, at, state, attempts,
-- last_error, next_at, sent, dead, callback}]}, times in ms or "".
-- KEYS: outbox
-- Keys from data: alert:<id> of each entry read.
local p = ARGV[1]
return serve(function(a)
  local want = a.state or ''
  local alerts = {}
  local entries = redis.call('XREVRANGE', declared('outbox'), '+', '-',
                             'COUNT', a.count)
  for _, e in ipairs(entries) do
    local id, f = e[1], e[2]
    local fields = {}
    for i = 1, #f, 2 do fields[f[i]] = f[i + 1] end
    local s = redis.call('HMGET', from_data('alert:' .. id), 'state',
                         'attempts',
                         'last_error', 'next_at', 'sent', 'dead',
                         'callback')
    local state = s[1] or 'pending'
    if want == '' or want == state then
      alerts[#alerts + 1] = {
        id = id, event = fields.event, ref = fields.ref,
        brag = fields.brag, at = fields.at or '', state = state,
        attempts = tonumber(s[2] or '0'), last_error = s[3] or '',
        next_at = s[4] or '', sent = s[5] or '', dead = s[6] or '',
        callback = s[7] or ''}
    end
  end
  return {alerts = alerts}
end)
