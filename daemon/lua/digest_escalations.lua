-- digest_escalations: one page of the audit stream for the supervisors'
-- daily digest (digest_pages.c), read back from its end: the escalations
-- fired. mashd calls it page after page, back from the stream's last id
-- when it began (later events are the next digest's) to the last
-- digest's head, or to events older than `since` when it has none.
-- Arguments: upto (a stream id, inclusive, on the first page), after
--   (the last id read, exclusive, on the others; ""), stop (the last
--   digest's head, ""), since (ms), limit (events read at most).
-- Answer: {escalations [{id, at}], newest first, after (the last id
--   read), read (events looked at, up to the end), done (the end met)}.
-- KEYS: events
local p = ARGV[1]
local E = TIMER.ESCALATION
return serve(function(a)
  local upto = a.upto
  if a.after ~= '' then upto = '(' .. a.after end
  local page = redis.call('XREVRANGE', declared('events'), upto, '-',
                          'COUNT', a.limit)
  local since, stop = tonumber(a.since), a.stop
  local esc, read, after = {}, 0, a.after
  for _, e in ipairs(page) do
    if stop ~= '' and e[1] == stop then
      return {escalations = esc, after = after, read = read, done = true}
    end
    local f = {}
    for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
    if stop == '' and (tonumber(f.at) or 0) < since then
      return {escalations = esc, after = after, read = read, done = true}
    end
    if f.action == 'fire' and
       string.find(f.detail or '', 'timer=' .. E .. ' ', 1, true) == 1 then
      esc[#esc + 1] = {id = f.ref, at = f.at}
    end
    read = read + 1
    after = e[1]
  end
  return {escalations = esc, after = after, read = read,
          done = #page < tonumber(a.limit)}
end)
