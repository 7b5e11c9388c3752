#!/bin/sh
# A damaged referral record in the middle of a batch of due timers: its
# timer is taken off the due set and passed over, not fired, and mashd
# says so in its log and the audit; every other timer of the batch fires,
# each once. fire.lua used to take the whole batch off the due set before
# firing any, so the timers after the damaged one were lost: neither due
# nor fired; then it failed the call at the damaged one. Referrals are written as submit.lua writes them, by lib.sh's
# timer_fill.
. "$(dirname "$0")/lib.sh"
start_redis
at "2026-11-27 15:00:00"

# Five referrals, MASH-2024-000001 to 000005, their screening due 10 s
# ago, a millisecond apart: one batch, in that order.
timer_fill 2024 5 $(($(redis_ms) - 10000)) 1 screening
expect "five timers due" "$(rcli zcard '{mash}:due')" 5
# The third referral's record is damaged: a string where its hash was
# (a copy kept, as a backup would be).
rcli copy '{mash}:ref:MASH-2024-000003' '{mash}:backup' > /dev/null
rcli del '{mash}:ref:MASH-2024-000003' > /dev/null
rcli set '{mash}:ref:MASH-2024-000003' damaged > /dev/null

start_mashd
wait_for 10 "[ \"\$(rcli zcard '{mash}:due')\" = 0 ]"
expect "no timer is left due" "$(rcli zcard '{mash}:due')" 0
for n in 1 2 4 5; do
	expect "the screening of MASH-2024-00000$n fired" \
		"$(rcli hexists "{mash}:ref:MASH-2024-00000$n" fired:screening)" 1
done
expect "each fired once: four fire events" \
	"$(rcli xrange '{mash}:events' - + | grep -cx fire)" 4
expect_log "mashd says the damaged one's timer was not fired" \
	'referral MASH-2024-000003: timer screening not fired: its record is damaged'
expect "and no call failed for it" \
	"$(grep -c 'timers: cannot fire' "$T/mashd.log")" 0
expect "mashd still answers" "$(ctl status > /dev/null 2>&1; echo $?)" 0
# Its timer is held with its due time, said in the audit and /metrics.
due3=$(rcli zscore '{mash}:due:damaged' MASH-2024-000003:screening)
expect_match "the timer is held with its due time" "$due3" '^[0-9]{13}$'
expect_match "the audit says its due time" "$(events '' damaged)" \
	"timer=screening due=$due3 of MASH-2024-000003 not fired"
expect "/metrics: one timer held for a damaged record" \
	"$(curl -s "$URL/metrics" | grep '^mashd_timers_damaged')" \
	'mashd_timers_damaged{state="held"} 1'
# The record restored from the backup, and a reload: the timer fires.
rcli del '{mash}:ref:MASH-2024-000003' > /dev/null
rcli rename '{mash}:backup' '{mash}:ref:MASH-2024-000003' > /dev/null
kill -HUP "$MASHD_PID"
wait_for 10 "[ -n \"\$(rcli zscore '{mash}:due' MASH-2024-000003:screening)\" ]"
expect "restored and reloaded: its screening is due again" "$?" 0
expect_match "the audit says it was put back" \
	"$(events MASH-2024-000003 restore)" "timer=screening due=$due3: held"
expect "no timer held now" \
	"$(curl -s "$URL/metrics" | grep '^mashd_timers_damaged')" \
	'mashd_timers_damaged{state="held"} 0'
expect "the audit chain is whole" \
	"$(ctl audit verify > /dev/null 2>&1; echo $?)" 0
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
finish
