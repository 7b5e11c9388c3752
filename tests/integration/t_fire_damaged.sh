#!/bin/sh
# A damaged referral record in the middle of a batch of due timers: its
# timer is deferred, not fired and not dropped: it stays in the due set,
# due again an hour on, named in due:damaged, said in the log, the audit
# and /metrics; every other timer of the batch fires, each once. Once the
# record is restored from a backup, the next look fires it, once. A
# record missing is deferred the same way, and 150 still damaged do not
# keep a restored one from firing. (fire.lua took the timer off the due
# set, then held it for a reload to put back, which ignored the record
# restored and looked at 100 held timers only.) Referrals are written as
# submit.lua writes them, by lib.sh's timer_fill.
. "$(dirname "$0")/lib.sh"
start_redis
at "2026-11-27 15:00:00"

# look_restored REF INSTANT: REF's record restored from the backup (no
# reload), mashd started at INSTANT: true once REF's screening fired.
look_restored() {
	rcli del "{mash}:ref:$1" > /dev/null
	rcli rename '{mash}:backup' "{mash}:ref:$1" > /dev/null
	at "$2"
	start_mashd
	wait_for 20 "fired $1 screening"
}

# Five referrals, MASH-2024-000001 to 000005, their screening due 10 s
# ago, a millisecond apart: one batch, in that order.
due0=$(($(redis_ms) - 10000))
timer_fill 2024 5 $due0 1 screening
expect "five timers due" "$(rcli zcard '{mash}:due')" 5
# The third referral's record is damaged: a string where its hash was
# (a copy kept, as a backup would be).
rcli copy '{mash}:ref:MASH-2024-000003' '{mash}:backup' > /dev/null
damage '{mash}:ref:MASH-2024-000003' damaged

start_mashd
wait_for 10 "[ \"\$(rcli xrange '{mash}:events' - + | grep -cx fire)\" = 4 ]"
for n in 1 2 4 5; do
	expect "the screening of MASH-2024-00000$n fired" \
		"$(rcli hexists "{mash}:ref:MASH-2024-00000$n" fired:screening)" 1
done
wait_for 10 "[ \"\$(rcli scard '{mash}:due:damaged')\" = 1 ]"
expect "the damaged one's timer alone left due" \
	"$(rcli zrange '{mash}:due' 0 -1)" MASH-2024-000003:screening
again=$(rcli zscore '{mash}:due' MASH-2024-000003:screening)
expect "due again an hour on (16:00 at the earliest)" \
	"$((${again:-0} >= $(date -u -d '2026-11-27 16:00:00' +%s%3N)))" 1
expect "and named in due:damaged" \
	"$(rcli smembers '{mash}:due:damaged')" MASH-2024-000003:screening
expect_log "mashd says the damaged one's timer was not fired, and when again" \
	'referral MASH-2024-000003: timer screening not fired: its record is damaged \(not a hash\); looked at again hourly until it reads \(restore it from a backup\)'
expect "and no call failed for it" \
	"$(grep -c 'timers: cannot fire' "$T/mashd.log")" 0
expect "mashd still answers" "$(ctl status > /dev/null 2>&1; echo $?)" 0
expect_match "the audit says its due time" "$(events '' damaged)" \
	"timer=screening due=$((due0 + 2)) of MASH-2024-000003 not fired"
expect "/metrics: one timer deferred for a damaged record" \
	"$(curl -s "$URL/metrics" | grep '^mashd_timers_damaged')" \
	'mashd_timers_damaged{state="deferred"} 1'
stop_mashd

# The record restored from the backup (no reload); past the hour, the
# next look fires it, once, by the due time its record gives.
look_restored MASH-2024-000003 "2026-11-27 16:00:30"
expect "restored: its screening fires" "$?" 0
expect "once: five fire events in all" \
	"$(rcli xrange '{mash}:events' - + | grep -cx fire)" 5
expect_match "  told late from its own due time" \
	"$(events MASH-2024-000003 fire)" "timer=screening due=$((due0 + 2)) "
expect "fired:screening set" \
	"$(rcli hexists '{mash}:ref:MASH-2024-000003' fired:screening)" 1
expect "none due, none deferred" \
	"$(rcli zcard '{mash}:due') $(rcli scard '{mash}:due:damaged')" "0 0"
expect "/metrics: none deferred" \
	"$(curl -s "$URL/metrics" | grep '^mashd_timers_damaged')" \
	'mashd_timers_damaged{state="deferred"} 0'
stop_mashd

# A record restored from a backup taken after its timer fired, its member
# due again: not fired twice (audited skip).
rcli zadd '{mash}:due' $((due0 + 2)) MASH-2024-000003:screening > /dev/null
start_mashd
wait_for 10 "[ \"\$(rcli zcard '{mash}:due')\" = 0 ]"
expect "already fired for that due: not fired again, five fire events" \
	"$(rcli xrange '{mash}:events' - + | grep -cx fire)" 5
expect_match "  said in the audit" "$(events MASH-2024-000003 skip)" \
	"timer=screening due=$((due0 + 2)): fired at "
stop_mashd

# A referral whose BRAG holds bytes that are not UTF-8, and a NUL: its
# timer fires, and mashd reads the answer that carries it (mended), so
# it logs the firing and says nothing failed.
timer_fill 2025 1 $(($(redis_ms) - 10000)) 1 screening
# (redis-cli reads "\x.." escapes in double quotes: a NUL unquoted would
# end its line.)
printf 'hset {mash}:ref:MASH-2025-000001 brag "am\\xffb\\x00er"\n' |
	rcli > /dev/null
expect "the stored BRAG holds the bytes, the NUL too" \
	"$(rcli --no-raw hget '{mash}:ref:MASH-2025-000001' brag)" '"am\xffb\x00er"'
start_mashd
wait_for 10 "[ \"\$(rcli zcard '{mash}:due')\" = 0 ]"
wait_for 5 "grep -q 'MASH-2025-000001 timer screening fired' '$T/mashd.log'"
expect "a BRAG not UTF-8: its timer fires and mashd reads the answer" "$?" 0
expect "  and says nothing failed" \
	"$(grep -c 'timers: cannot fire' "$T/mashd.log")" 0
stop_mashd

# 151 damaged and 1 missing timers: all deferred, the missing one said,
# not dropped. The one that comes last restored: at the next look it
# fires (no cap on what is deferred), the other 150 stay deferred.
timer_fill 2023 152 $((due0 - 1000)) 1 screening
rcli copy '{mash}:ref:MASH-2023-000151' '{mash}:backup' > /dev/null
for n in $(seq 1 151); do
	damage "{mash}:ref:MASH-2023-$(printf %06d "$n")" damaged
done
rcli del '{mash}:ref:MASH-2023-000152' > /dev/null
at "2026-11-27 17:30:00"
start_mashd
wait_for 20 "[ \"\$(rcli scard '{mash}:due:damaged')\" = 152 ]"
expect "152 deferred" "$?" 0
expect "all 152 still due" "$(rcli zcard '{mash}:due')" 152
expect_log "the missing one said" \
	'referral MASH-2023-000152: timer screening not fired: its record is missing; looked at again hourly'
expect_match "  and audited" "$(events '' damaged)" \
	"timer=screening due=$((due0 - 1000 + 151)) of MASH-2023-000152 not fired: the referral's record is missing"
expect "/metrics: 152 deferred" \
	"$(curl -s "$URL/metrics" | grep '^mashd_timers_damaged')" \
	'mashd_timers_damaged{state="deferred"} 152'
stop_mashd
look_restored MASH-2023-000151 "2026-11-27 18:31:00"
expect "the last of 152 restored fires at the next look" "$?" 0
wait_for 10 "[ \"\$(rcli scard '{mash}:due:damaged')\" = 151 ]"
expect "151 deferred still" "$?" 0
expect "it fired once" "$(events MASH-2023-000151 fire | wc -l)" 1
expect "the audit chain is whole" \
	"$(ctl audit verify > /dev/null 2>&1; echo $?)" 0
stop_mashd

# What is left deferred above is set aside for the checks below.
rcli del '{mash}:due' '{mash}:due:damaged' > /dev/null

# A due:damaged that is not a set (damaged itself): due timers still fire
# (fire.lua took each off the due set, then failed on it, one lost a
# call), and a damaged record's timer is still deferred, by the due set.
rcli set '{mash}:due:damaged' notaset > /dev/null
at "2026-11-28 09:00:00"
timer_fill 2026 2 $(($(redis_ms) - 10000)) 1 screening
damage '{mash}:ref:MASH-2026-000002' damaged
start_mashd
wait_for 10 "[ \"\$(events MASH-2026-000001 fire | wc -l)\" = 1 ]"
expect "due:damaged not a set: a due timer still fires" "$?" 0
h10=$(date -u -d '2026-11-28 10:00:00' +%s%3N)
wait_for 10 "[ \"\$(rcli zscore '{mash}:due' MASH-2026-000002:screening)\" -ge $h10 ]"
expect "  and a damaged record's timer is deferred by the due set alone" "$?" 0
expect_match "  /metrics answers, none counted as deferred" \
	"$(curl -s "$URL/metrics" | grep '^mashd_timers_damaged')" ' 0$'
_from=$(log_lines)
kill -HUP "$MASHD_PID"
wait_for 10 "tail -n +$((_from + 1)) '$T/mashd.log' | grep -q 'recomputed'"
expect "  and a reload recomputes the timers" "$?" 0
stop_mashd
rcli del '{mash}:due' '{mash}:due:damaged' > /dev/null

# Two looks an hour apart at a timer still damaged: one audit event, one
# log line, at the first (each hourly look added both, and from the
# second said the look as its due).
at "2026-11-28 11:00:00"
due1=$(($(redis_ms) - 10000))
timer_fill 2027 1 $due1 1 screening
rcli copy '{mash}:ref:MASH-2027-000001' '{mash}:backup' > /dev/null
damage '{mash}:ref:MASH-2027-000001' damaged
start_mashd
wait_for 10 "[ \"\$(rcli scard '{mash}:due:damaged')\" = 1 ]"
stop_mashd
at "2026-11-28 12:00:30"
start_mashd
h13=$(date -u -d '2026-11-28 13:00:00' +%s%3N)
wait_for 10 "[ \"\$(rcli zscore '{mash}:due' MASH-2027-000001:screening)\" -ge $h13 ]"
expect "looked at again an hour on" "$?" 0
expect "two looks: one audit event" \
	"$(events '' damaged | grep -c 'of MASH-2027-000001 ')" 1
expect_match "  with its due time" "$(events '' damaged)" \
	"timer=screening due=$due1 of MASH-2027-000001 not fired"
expect "  and one log line" "$(grep -c \
	'referral MASH-2027-000001: timer screening not fired' "$T/mashd.log")" 1
stop_mashd

# Restored with its due time still ahead (14:00): the look past 13:00
# does not fire it early, but puts it back at that due time.
h14=$(date -u -d '2026-11-28 14:00:00' +%s%3N)
rcli del '{mash}:ref:MASH-2027-000001' > /dev/null
rcli rename '{mash}:backup' '{mash}:ref:MASH-2027-000001' > /dev/null
rcli hset '{mash}:ref:MASH-2027-000001' due:screening $h14 > /dev/null
at "2026-11-28 13:01:00"
start_mashd
wait_for 10 "[ \"\$(rcli scard '{mash}:due:damaged')\" = 0 ]"
expect "restored, due ahead: not fired early" \
	"$(events MASH-2027-000001 fire | wc -l)" 0
expect "  but due again at its record's due time" \
	"$(rcli zscore '{mash}:due' MASH-2027-000001:screening)" $h14
stop_mashd
at "2026-11-28 14:00:30"
start_mashd
wait_for 10 "[ \"\$(events MASH-2027-000001 fire | wc -l)\" = 1 ]"
expect "  and fires then, once" "$?" 0
expect_match "  by that due time" "$(events MASH-2027-000001 fire)" \
	"timer=screening due=$h14 "
stop_mashd

# A deferred timer, its record restored and screened before the next
# look (screen takes it off the due set only): the next call that fires
# anything takes it out of due:damaged, and the gauge says 0.
at "2026-11-28 15:00:00"
timer_fill 2028 1 $(($(redis_ms) - 10000)) 1 screening
rcli copy '{mash}:ref:MASH-2028-000001' '{mash}:backup' > /dev/null
damage '{mash}:ref:MASH-2028-000001' damaged
start_mashd
wait_for 10 "[ \"\$(rcli scard '{mash}:due:damaged')\" = 1 ]"
rcli del '{mash}:ref:MASH-2028-000001' > /dev/null
rcli rename '{mash}:backup' '{mash}:ref:MASH-2028-000001' > /dev/null
ctl screen MASH-2028-000001 --reason "checks done" > /dev/null
expect "screened: off the due set" \
	"$(rcli zscore '{mash}:due' MASH-2028-000001:screening)" ""
stop_mashd
timer_fill 2029 1 $(($(redis_ms) - 10000)) 1 screening
start_mashd
wait_for 10 "[ \"\$(events MASH-2029-000001 fire | wc -l)\" = 1 ]"
expect "a later call fires a timer" "$?" 0
expect "/metrics: the screened one no longer deferred" \
	"$(curl -s "$URL/metrics" | grep '^mashd_timers_damaged')" \
	'mashd_timers_damaged{state="deferred"} 0'
stop_mashd
finish
