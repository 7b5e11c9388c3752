#!/bin/sh
# A reload (SIGHUP) works each running timer out again from its own start:
# receipt, or for screening the re-rating that started it again. With the
# calendar and the timer rules unchanged it moves nothing. Times are UTC;
# 2026-11-24 is a Tuesday and London is on GMT, so local time is UTC.
. "$(dirname "$0")/lib.sh"
start_redis
TIMERS="decision escalation written screening decision_warning"

# dues: every due time of the referrals, as stored, and the due set.
dues() {
	for id in $(rcli zrange '{mash}:queue' 0 -1); do
		for t in $TIMERS; do
			echo "$id $t $(rcli hget "{mash}:ref:$id" "due:$t")"
		done
	done
	rcli zrange '{mash}:due' 0 -1 withscores | paste -d' ' - -
}

# reload: SIGHUP, and wait until the timers have been worked out again.
reload() {
	_n=$(grep -c 'timers: recomputed' "$T/mashd.log")
	kill -HUP "$MASHD_PID"
	wait_for 10 "[ \$(grep -c 'timers: recomputed' '$T/mashd.log') -gt $_n ]"
}

at "2026-11-24 10:00:00"
start_mashd
expect "amber at 10:00" "$(post "$FIX/amber.json")" 201
R1=$(jbody .id)
expect "red at 10:00" "$(post "$FIX/red.json")" 201
R2=$(jbody .id)
R3=$(ctl referral new --file "$FIX/phone.json" --json | jq -r .id)
expect_match "a telephone referral" "$R3" '^MASH-2026-'
expect "green at 10:00" "$(post "$FIX/green.json")" 201
expect "amber at 10:00, to be stored the old way" "$(post "$FIX/amber.json")" 201
R5=$(jbody .id)
expect "amber at 10:00, to be screened" "$(post "$FIX/amber.json")" 201
R6=$(jbody .id)
expect "amber: screening 6 working hours, 16:00" \
	"$(timer "$R1" screening due | minute)" 2026-11-24T16:00
stop_mashd

# 13:00: re-ratings start screening again, by the new rating.
at "2026-11-24 13:00:00"
start_mashd
ctl rate "$R1" red --reason 'Disclosure at school' > /dev/null
ctl rate "$R2" amber --reason 'Child safe with grandparents' > /dev/null
ctl rate "$R5" red --reason 'Disclosure at school' > /dev/null
ctl screen "$R6" --reason 'Checked with the school' > /dev/null
expect "re-rated red at 13:00: screening due 17:00" \
	"$(timer "$R1" screening due | minute)" 2026-11-24T17:00
expect "re-rated amber at 13:00: screening due Wednesday 09:30" \
	"$(timer "$R2" screening due | minute)" 2026-11-25T09:30
expect "show gives screening's start: the re-rating" \
	"$(timer "$R1" screening start | minute)" 2026-11-24T13:00
expect "and the decision's: receipt" \
	"$(timer "$R1" decision start | minute)" 2026-11-24T10:00
# A referral stored and re-rated before mashd recorded the timers'
# starts: its screening started at its last re-rating all the same.
for f in $(rcli hkeys "{mash}:ref:$R5" | grep '^start:'); do
	rcli hdel "{mash}:ref:$R5" "$f" > /dev/null
done
expect "stored the old way" "$(rcli hkeys "{mash}:ref:$R5" | grep -c '^start:')" 0

# A reload that changes nothing moves nothing.
dues > "$T/dues.before"
reload
expect "the timers are worked out again on SIGHUP" "$?" 0
dues > "$T/dues.after"
expect "same calendar, same rules: no due time moved" \
	"$(diff "$T/dues.before" "$T/dues.after" | grep '^[<>]' | head -4 | tr '\n' ' ')" ""
expect "and no move audited" \
	"$(rcli xrange '{mash}:events' - + | grep -c '^reschedule$')" 0
expect "re-rated red: screening still 17:00" \
	"$(timer "$R1" screening due | minute)" 2026-11-24T17:00
expect "stored the old way: screening still 17:00" \
	"$(timer "$R5" screening due | minute)" 2026-11-24T17:00
expect_match "the reload says so" "$(grep 'timers: recomputed' "$T/mashd.log" | tail -1)" \
	'recomputed 6 open referral\(s\): 0 timer\(s\) moved'

# A new holiday on Wednesday: the timers that run from receipt move, and
# each screening is worked out again from its own re-rating.
sed -i 's|^calendar = {|calendar = { extra_holidays = [ "2026-11-25" ];|' "$T/mashd.conf"
reload
expect "the timers are worked out again on SIGHUP" "$?" 0
expect "decision from receipt: Thursday 10:00" \
	"$(timer "$R1" decision due | minute)" 2026-11-26T10:00
expect "red screening from its re-rating: still 17:00" \
	"$(timer "$R1" screening due | minute)" 2026-11-24T17:00
expect "amber screening from its re-rating, past the holiday: Thursday 09:30" \
	"$(timer "$R2" screening due | minute)" 2026-11-26T09:30
expect "stored the old way: screening still 17:00" \
	"$(timer "$R5" screening due | minute)" 2026-11-24T17:00
expect_match "the decision's move is audited" "$(events "$R1" reschedule)" \
	'timer=decision from=[0-9]+ to=[0-9]+'
expect "and not logged a line a referral: the summing-up line counts it" \
	"$(grep -c "referral $R1: .*rescheduled" "$T/mashd.log")" 0
expect_match "that line" "$(grep 'timers: recomputed' "$T/mashd.log" | tail -1)" \
	'recomputed 6 open referral\(s\): [1-9][0-9]* timer\(s\) moved$'
expect "the red screening's is not: it did not move" \
	"$(events "$R1" reschedule | grep -c 'timer=screening ')" 0
# A screened referral keeps its place by its decision alone, as screening
# placed it, not by the screening due time that stopped.
expect "screened: its decision moved" "$(timer "$R6" decision due | minute)" \
	2026-11-26T10:00
expect "screened: its place by its decision alone" \
	"$(($(rcli zscore '{mash}:queue' "$R6") % 10000000000000))" \
	"$(rcli hget "{mash}:ref:$R6" due:decision)"
stop_mashd

# The re-rated red's screening fires at 17:00, not before.
at "2026-11-24 16:59:30"
start_mashd
sleep 1.5
expect "not fired before 17:00" "$(timer "$R1" screening fired)" null
wait_for 45 "fired $R1 screening"
expect "fired" "$?" 0
expect "at 17:00, within a second" "$(on_time "$R1" screening)" yes
expect "once" "$(events "$R1" fire | grep -c 'timer=screening ')" 1
finish
