-- spool_quarantine: a mail message of the spool could not be taken as a
-- referral: audit it and alert the navigators, in one step. spool.c moves
-- the file into the quarantine only once this has run.
-- ARGV: prefix, file (its name, made printable), reason (names a field or
--       the parse problem, never a value), now_ms, ref (the reference its
--       subject names, or "")
local p, file, reason, now, ref = unpack(ARGV)
local detail = file .. ': ' .. reason
if ref ~= '' then detail = detail .. ' (subject names ' .. ref .. ')' end
audit(p, '', now, 'spool', 'quarantine', detail)
redis.call('XADD', p .. 'outbox', '*', 'event', EVENT.QUARANTINE, 'ref', '',
           'file', file, 'reason', reason, 'at', now)
return 'OK'
