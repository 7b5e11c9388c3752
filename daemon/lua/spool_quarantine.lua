-- spool_quarantine: a mail message of the spool could not be taken as a
-- referral: audit it and alert the navigators, in one step. spool.c moves
-- the file into the quarantine only once this has run.
-- Arguments: file (its name, made printable), reason (names a field or
-- the parse problem, never a value), at (ms), ref (the reference its
-- subject names, or "").
-- Answer: {}.
-- Keys: events, outbox.
local p = ARGV[1]
return serve(function(a)
  local detail = a.file .. ': ' .. a.reason
  if a.ref ~= '' then
    detail = detail .. ' (subject names ' .. a.ref .. ')'
  end
  audit(p, '', a.at, 'spool', 'quarantine', detail)
  queue_alert(p, EVENT.QUARANTINE, '', a.at, 'file', a.file,
              'reason', a.reason)
  return {}
end)
