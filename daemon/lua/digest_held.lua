-- digest_held: one page of the staff alerts held for the supervisors'
-- daily digest (alerts.digest; digest_pages.c), up to the last one held
-- when the digest began: digest.lua releases those it told, up to there.
-- Arguments: after (the last id read, exclusive; "" on the first page),
--   last (the last id to read), limit (alerts read at most), want (how
--   many the digest still lists).
-- Answer: {held [{event, ref, brag, at}] (the first `want` read), read
--   (alerts read), after (the last id read), done}.
-- KEYS: digest:held
local p = ARGV[1]
return serve(function(a)
  local start = '-'
  if a.after ~= '' then start = '(' .. a.after end
  local page = redis.call('XRANGE', declared('digest:held'), start, a.last,
                          'COUNT', a.limit)
  local held, after, want = {}, a.after, tonumber(a.want)
  for _, e in ipairs(page) do
    if #held < want then
      local f = {}
      for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
      held[#held + 1] = {event = f.event or '', ref = f.ref or '',
                         brag = f.brag or '', at = f.at or ''}
    end
    after = e[1]
  end
  return {held = held, read = #page, after = after,
          done = #page < tonumber(a.limit) or after == a.last}
end)
