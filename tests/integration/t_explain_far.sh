#!/bin/sh
# A damaged record whose start is past any calendar (received and each
# start:TIMER "33333333333333333333": strtoll gives INT64_MAX): `mashctl explain`
# walked the working time from it, and the calendar's arithmetic
# overflowed (UBSan: signed integer overflow in calendar.c's utc_of;
# fuzz_answer's corpus: explain-start-past-9999). A start past the year
# 9999 is none now (deadline.c): each timer is shown without a walk, its
# note saying the stored start is damaged (not that mashd keeps none), and
# mashd answers on. Run it on the ASan/UBSan build to see the fault.
. "$(dirname "$0")/lib.sh"
start_redis
at "2026-07-14 09:30:00"
start_mashd
post "$FIX/amber.json" > /dev/null
id=$(jbody .id)
for t in decision escalation written screening; do
	rcli hset "{mash}:ref:$id" "start:$t" 33333333333333333333 > /dev/null
done
rcli hset "{mash}:ref:$id" received 33333333333333333333 > /dev/null
ctl explain "$id" --json > "$T/out" 2> "$T/err"
expect "explain answers" "$?" 0
expect "its timers are listed" "$(jq '.timers | length > 0' "$T/out")" true
# Not "mashd keeps no start": the start is stored, and damaged.
expect "the decision's note: its start is damaged" \
	"$(jq -r '.timers[] | select(.timer == "decision") | .note' "$T/out")" \
	"the stored start is damaged (no time, or past the year 9999): no due time can be computed from it"
expect "the warning's note: the start it hangs on is damaged" \
	"$(jq -r '.timers[] | select(.timer == "decision_warning") | .note' "$T/out" | grep -c 'hangs on is damaged')" 1
expect "no timer says mashd keeps no start" \
	"$(grep -c 'keeps no start' "$T/out")" 0
expect "mashd still answers" "$(ctl queue --json | jq length)" 1
finish
