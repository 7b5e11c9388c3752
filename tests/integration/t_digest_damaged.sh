#!/bin/sh
# The supervisors' daily digest names a referral whose record is damaged
# (a string where its hash was) among the decisions overdue as a damaged
# record: never a lateness or a holder mashd cannot know. It used to say
# "held by nobody (not claimed), late by 23572 h", from the empty fields
# of a record it could not read. A timer deferred, not fired, for a
# damaged record (fire.lua) is named, by reference and timer.
# 2026-11-30 is a Monday; the hub opens at 08:00 (GMT).
. "$(dirname "$0")/lib.sh"
recording_sendmail
staff_mail_conf
start_redis
# Sunday evening: two referrals' decisions fall due, and fire.
at "2026-11-29 20:00:00"
timer_fill 2025 2 $(($(redis_ms) + 1000)) 1 decision
# And a third, its record damaged: its firing is deferred.
timer_fill 2026 1 $(($(redis_ms) + 1000)) 1 decision
damage '{mash}:ref:MASH-2026-000001' notahash
start_mashd
wait_for 30 "[ \"\$(rcli sismember '{mash}:due:damaged' MASH-2026-000001:decision)\" = 1 ]"
expect "the third's decision deferred" "$?" 0
wait_for 30 "[ \"\$(rcli zcount '{mash}:due' -inf $(($(redis_ms) + 60000)))\" = 0 ]"
expect "both decisions fired" "$?" 0
stop_mashd
damage '{mash}:ref:MASH-2025-000001' notahash
# Monday's opening: the digest.
at "2026-11-30 07:59:58"
start_mashd
wait_for 30 "[ -n \"\$(mails supervisors@hub.example 'daily digest')\" ]"
expect "the digest is sent" "$?" 0
body=$(sed '1,/^$/d' "$(mails supervisors@hub.example 'daily digest' | head -1)")
echo "$body" | sed 's/^/# /'
expect "the damaged one: a damaged record, no lateness, no holder" \
	"$(echo "$body" | grep 'MASH-2025-000001' | sed 's/^ *//')" \
	'MASH-2025-000001  record damaged (not a hash): its holder and lateness unknown'
expect_match "the other as it is" "$(echo "$body" | grep 'MASH-2025-000002')" \
	'held by nobody \(not claimed\), late by '
expect "the timer deferred, named" \
	"$(echo "$body" | grep -A1 '^Timers not fired, their referral')" \
	"Timers not fired, their referral's record damaged or missing (looked at again hourly; restore it from a backup): 1
  MASH-2026-000001  decision"
expect "the audit chain is whole" \
	"$(ctl audit verify > /dev/null 2>&1; echo $?)" 0
stop_mashd
finish
