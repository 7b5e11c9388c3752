-- reschedule: new due times for a referral's timers after a reload
-- (SIGHUP). Only timers neither fired nor stopped whose due time changed
-- move; each move is audited, and the referral keeps its place in the
-- queue by its new deadlines.
-- Arguments: id, actor, at (ms), score (its queue score), timers: [{timer,
-- due}]: due times in ms; the score and due times as strings.
-- Answer: {moved}: how many timers moved (0 for a referral gone).
-- KEYS: ref:$id ref:$id:audit due queue events
local p = ARGV[1]
return serve(function(a)
  local key = declared('ref:' .. a.id)
  local moved = 0
  if redis.call('EXISTS', key) == 0 then return {moved = 0} end
  for _, t in ipairs(a.timers) do
    local old = redis.call('HGET', key, 'due:' .. t.timer)
    if old and old ~= t.due and
       redis.call('HEXISTS', key, 'fired:' .. t.timer) == 0 and
       redis.call('HEXISTS', key, 'stopped:' .. t.timer) == 0 then
      redis.call('HSET', key, 'due:' .. t.timer, t.due)
      redis.call('ZADD', declared('due'), t.due, a.id .. ':' .. t.timer)
      audit(p, a.id, a.at, a.actor, 'reschedule',
            'timer=' .. t.timer .. ' from=' .. old .. ' to=' .. t.due)
      moved = moved + 1
    end
  end
  if moved > 0 then
    redis.call('ZADD', declared('queue'), 'XX', a.score, a.id)
  end
  if moved > 0 then queue_changed(a.id) end
  return {moved = moved}
end)
