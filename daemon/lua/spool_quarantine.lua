-- spool_quarantine: a mail message of the spool could not be taken as a
-- referral: audit it and alert the navigators, in one step. spool.c moves
-- the file into the quarantine only once this has run; when that move
-- fails the file stays in new/ and is tried again later, so the step is
-- done once per file: quarantined:<id> remembers it (for `QUARANTINE_TTL`
-- seconds, so the keys do not pile up) and a second call changes nothing.
-- Arguments: file (its name, made printable: for people, never a key),
-- id ("name-" and a SHA-256 of the raw name and the bytes), reason (names a field or
-- the parse problem, never a value), at (ms), ref (the reference its
-- subject names, or "").
-- Answer: {first}: true when this call audited and alerted it.
-- KEYS: quarantined:$id events outbox
local QUARANTINE_TTL = 30 * 24 * 3600
local p = ARGV[1]
return serve(function(a)
  if type(a.id) ~= 'string' or not a.id:match('^name%-%x+$') or
     #a.id > 80 then
    refuse('the quarantine id must be "name-" and a SHA-256')
  end
  if not redis.call('SET', declared('quarantined:' .. a.id), a.at, 'NX',
                    'EX', QUARANTINE_TTL) then
    return {first = false}
  end
  local detail = a.file .. ': ' .. a.reason
  if a.ref ~= '' then
    detail = detail .. ' (subject names ' .. a.ref .. ')'
  end
  audit(p, '', a.at, 'spool', 'quarantine', detail)
  queue_alert(p, EVENT.QUARANTINE, '', a.at, 'file', a.file,
              'reason', a.reason)
  return {first = true}
end)
