-- fire: claim the timers that are due by `now` and record their firing.
-- Removing a member from the due set and recording the firing happen in
-- this one call, so each timer fires exactly once however many mashd
-- processes share the Redis, and whether or not one crashes mid-way.
-- ARGV: prefix, now_ms, limit
-- Returns one {id, timer, due_ms, brag, late_ms, event} per timer fired.
local p, now, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now_s = ARGV[2]
local due = redis.call('ZRANGEBYSCORE', p .. 'due', '-inf', now,
                       'WITHSCORES', 'LIMIT', 0, limit)
local out = {}
for i = 1, #due, 2 do
  local member, at = due[i], tonumber(due[i + 1])
  redis.call('ZREM', p .. 'due', member)
  local id, timer = string.match(member, '^(' .. REF_PATTERN .. '):([%w_]+)$')
  local key = id and p .. 'ref:' .. id
  if key and redis.call('EXISTS', key) == 1
     and not redis.call('HGET', key, 'stopped:' .. timer) then
    local brag = redis.call('HGET', key, 'brag') or ''
    local late = now - at
    redis.call('HSET', key, 'fired:' .. timer, now_s)
    audit(p, id, now_s, 'mashd', 'fire',
      'timer=' .. timer .. ' due=' .. string.format('%d', at) ..
                         ' late_ms=' .. string.format('%d', late))
    -- The warning tells of the decision: its due time is the decision's.
    local shown = at
    if timer == 'decision_warning' then
      shown = tonumber(redis.call('HGET', key, 'due:decision')) or at
    end
    redis.call('XADD', p .. 'outbox', '*', 'event', TIMER_EVENT[timer] or timer,
               'ref', id, 'timer', timer, 'brag', brag,
               'due', string.format('%d', shown), 'at', now_s)
    out[#out + 1] = {id, timer, string.format('%d', at), brag,
                     string.format('%d', late), TIMER_EVENT[timer] or timer}
  end
end
return out
