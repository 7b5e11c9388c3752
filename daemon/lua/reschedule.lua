-- reschedule: new due times for a referral's timers after the calendar
-- changed (SIGHUP). Only timers neither fired nor stopped move; each move
-- is audited, and the referral keeps its place in the queue by its new
-- deadlines. ARGV: prefix, id, actor, now_ms, queue_score, then pairs:
-- timer, due ms. Returns how many timers moved.
local p, id, actor, now, score = unpack(ARGV, 1, 5)
local key = p .. 'ref:' .. id
local moved = 0
if redis.call('EXISTS', key) == 0 then return 0 end
for i = 6, #ARGV, 2 do
  local timer, due = ARGV[i], ARGV[i + 1]
  local old = redis.call('HGET', key, 'due:' .. timer)
  if old and old ~= due and
     redis.call('HEXISTS', key, 'fired:' .. timer) == 0 and
     redis.call('HEXISTS', key, 'stopped:' .. timer) == 0 then
    redis.call('HSET', key, 'due:' .. timer, due)
    redis.call('ZADD', p .. 'due', due, id .. ':' .. timer)
    audit(p, id, now, actor, 'reschedule',
      'timer=' .. timer .. ' from=' .. old .. ' to=' .. due)
    moved = moved + 1
  end
end
if moved > 0 then
  redis.call('ZADD', p .. 'queue', 'XX', score, id)
end
return moved
