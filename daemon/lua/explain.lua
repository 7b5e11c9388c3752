-- explain: a referral's timers, each with the instant it started and
-- why, for `mashctl explain` (ctl_explain.c works out the steps). The
-- read is audited as show's is. A start is start:<timer> as the script
-- that started the timer recorded it (submit.lua at receipt, rate.lua at
-- a re-rating); a referral stored before starts were recorded has none:
-- its timers started at receipt, but screening at its last re-rating
-- (as timers.lua reads them for a reload).
-- Arguments: id, actor, at (ms), timer (optional: the one asked about;
-- a referral without it is answered with no timers, and not audited).
-- Answer: {received, brag, channel, status, reopened, decided, timers =
-- [{timer, due, start, why, detail, fired, stopped, rung}]}: times in ms
-- as strings; why is receipt, re-rating or recorded (a start no event
-- explains); {} when there is no such referral.
-- KEYS: ref:$id ref:$id:audit events
local p = ARGV[1]

local function why_started(t, r, ratings)
  local rated = t.timer == TIMER.SCREENING or
                t.timer == TIMER.SCREENING_ESCALATE
  if not t.start then
    local last = ratings[#ratings]
    if rated and last then return last.at, 're-rating', last.detail end
    return r.received, 'receipt', ''
  end
  if t.start == r.received then return t.start, 'receipt', '' end
  for i = #ratings, 1, -1 do
    if rated and ratings[i].at == t.start then
      return t.start, 're-rating', ratings[i].detail
    end
  end
  return t.start, 'recorded', ''
end

return serve(function(a)
  local key = declared('ref:' .. a.id)
  if redis.call('EXISTS', key) == 0 then return {} end
  local r, timers = read_referral(key, {'received', 'brag', 'channel',
                                        'status', 'reopened', 'decided'},
                                  {'start', 'fired', 'stopped', 'rung'})
  if not r then
    refuse('referral ' .. a.id .. ' is damaged: its record is not a hash')
  end
  local asked = not a.timer
  for _, t in ipairs(timers) do asked = asked or t.timer == a.timer end
  if not asked then return {received = r.received or '', timers = {}} end
  -- A damaged list of events: none known (a start then is "recorded").
  local ratings = audit_of(a.id, {rate = true}) or {}
  local out = {}
  for i, t in ipairs(timers) do
    local start, why, detail = why_started(t, r, ratings)
    out[i] = {timer = t.timer, due = t.due, start = start or '',
              why = why, detail = detail, fired = t.fired,
              stopped = t.stopped, rung = t.rung}
  end
  audit(p, a.id, a.at, a.actor, 'explain', 'due times explained')
  return {received = r.received or '', brag = r.brag or '',
          channel = r.channel or '', status = r.status or '',
          reopened = r.reopened, decided = r.decided, timers = out}
end)
