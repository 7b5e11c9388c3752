-- report_events: one page of the audit stream for the timeliness report
-- (ctl_report.c), only the events it counts; the first page also audits
-- the report's reading. mashd calls it page after page from the cursor
-- it answered, so no call runs long and no answer is large.
-- Arguments: start (a stream id, inclusive, on the first page), after
--   (the last id read, exclusive, on the others; "" on the first), stop
--   (a stream id: the page ends there), limit (events read at most),
--   audit (the detail of the read's audit event; "" for none), actor,
--   at (ms).
-- Answer: {events = [{ref, at, action, detail}], after, done}.
-- KEYS: events
local p = ARGV[1]
local COUNTED = {submit = true, rate = true, screen = true, decide = true,
                 reopen = true, confirm = true, fire = true}
return serve(function(a)
  local events = declared('events')
  if a.audit ~= '' then audit(p, '', a.at, a.actor, 'report', a.audit) end
  local start = a.start
  if a.after ~= '' then start = '(' .. a.after end
  local page = redis.call('XRANGE', events, start, a.stop, 'COUNT', a.limit)
  local out, after = {}, a.after
  for _, e in ipairs(page) do
    local f = {}
    for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
    if COUNTED[f.action] and f.ref and f.ref ~= '' then
      out[#out + 1] = {ref = f.ref, at = f.at or '', action = f.action,
                       detail = f.detail or ''}
    end
    after = e[1]
  end
  return {events = out, after = after, done = #page < a.limit}
end)
