#!/bin/sh
# One clock for firing: Redis's. A mashd whose own clock is an hour fast
# fires nothing early, one an hour slow still wakes at the due instant,
# and each says how far off it is (log, /metrics, mashctl status).
# 2026-11-27 is a Friday; London is on GMT, so local time is UTC.
. "$(dirname "$0")/lib.sh"
start_redis
HOUR=3600000

# fired_at REF TIMER: when Redis recorded the timer's firing (the ms of
# its audit event's stream id), whatever the firing mashd's clock said.
fired_at() {
	rcli xrange '{mash}:events' - + | awk -v ref="$1" -v t="timer=$2 " '
		/^[0-9]+-[0-9]+$/ { id = $0; r = ""; a = ""; next }
		prev == "ref" { r = $0 } prev == "action" { a = $0 }
		prev == "detail" && r == ref && a == "fire" && index($0, t) == 1 {
			sub(/-.*/, "", id); print id }
		{ prev = $0 }'
}

# early REF TIMER: "no" when it fired at or after its due instant by
# Redis's clock, else by how much it was early.
early() {
	_f=$(fired_at "$1" "$2")
	[ -n "$_f" ] || { echo "not fired"; return; }
	_e=$(($(rcli hget "{mash}:ref:$1" "due:$2") - _f))
	[ "$_e" -le 0 ] && echo no || echo "early by $_e ms"
}

at "2026-11-27 15:00:00"
start_mashd
expect "amber on Friday 15:00" "$(post "$FIX/amber.json")" 201
R1=$(jbody .id)
expect "decision due Monday 15:00" "$(timer "$R1" decision due | minute)" \
	2026-11-30T15:00
expect "mashd and redis agree: no skew" \
	"$(ctl status --json | jq -r '.clock_skew_ms | fabs < 2000')" true
stop_mashd
expect "no warning while the clocks agree" \
	"$(grep -c 'clock:' "$T/mashd.log")" 0

# Monday 14:59:30 by Redis. One mashd whose clock says 15:59:30, and one
# on the right time beside it, on the same Redis: the decision (15:00)
# fires once, at its instant, whichever claims it. (The test's clock runs
# from `at`, so a slow start, under valgrind, eats into the 30 s.)
at "2026-11-30 14:59:30"
SKEW_MS=$HOUR start_mashd
sed "s|$T/mashd.sock|$T/right.sock|" "$T/mashd.conf" > "$T/right.conf"
chmod 600 "$T/right.conf"
TZ=UTC FAKETIME=$(fake_clock) LD_PRELOAD=$FAKETIME_LIB \
ASAN_OPTIONS=verify_asan_link_order=0 \
	$MASHD_WRAP "$MASHD" -f -c "$T/right.conf" 2>> "$T/right.log" &
right=$!
wait_for 30 "grep -q 'redis: connected' '$T/right.log'"
expect "the second mashd is up" "$?" 0
sleep 1.5
expect "an hour-fast mashd does not fire the decision early" \
	"$(timer "$R1" decision fired)" null
expect_match "it warns of its clock" "$(grep 'clock:' "$T/mashd.log")" \
	"clock: mashd's clock is (3599\.[5-9]|3600\.[0-4]) s ahead of redis's"
expect_match "and shows the skew in /metrics" \
	"$(curl -s "$URL/metrics" | grep '^mashd_clock_skew_seconds ')" \
	'^mashd_clock_skew_seconds 3(599\.[5-9]|600\.[0-4])[0-9]*$'
expect "and in mashctl status" \
	"$(ctl status --json | jq -r '(.clock_skew_ms - 3600000) | fabs < 500')" true
expect_match "which a person reads too" "$(ctl status | grep '^clock')" \
	'(3599\.[5-9]|3600\.[0-4]) s ahead of redis'
expect "the one on time does not warn" "$(grep -c 'clock:' "$T/right.log")" 0
wait_for 60 "fired $R1 decision"
expect "the decision fires" "$?" 0
sleep 1.5
kill "$right"
wait "$right"
expect "the second mashd exits 0" "$?" 0
expect "once" "$(events "$R1" fire | grep -c 'timer=decision ')" 1
expect "not early by Redis's clock" "$(early "$R1" decision)" no
expect "within a second" "$(on_time "$R1" decision)" yes
expect "one overdue alert" \
	"$(rcli xrange '{mash}:outbox' - + | tr '\n' ' ' | grep -o "event overdue ref $R1" | wc -l)" 1
stop_mashd

# A mashd alone an hour slow still wakes when the decision falls due.
at "2026-12-03 10:00:00"
start_mashd
expect "green on Thursday 10:00" "$(post "$FIX/green.json")" 201
R2=$(jbody .id)
expect "decision due Friday 10:00" "$(timer "$R2" decision due | minute)" \
	2026-12-04T10:00
stop_mashd
at "2026-12-04 09:59:30"
SKEW_MS=-$HOUR start_mashd
wait_for 30 grep -q "behind redis's" "$T/mashd.log"
expect_match "the slow one warns" "$(grep 'clock:' "$T/mashd.log" | tail -1)" \
	"clock: mashd's clock is (3599\.[5-9]|3600\.[0-4]) s behind redis's"
wait_for 60 "fired $R2 decision"
expect "an hour-slow mashd fires at the instant" "$?" 0
expect "not early" "$(early "$R2" decision)" no
expect "within a second" "$(on_time "$R2" decision)" yes
cat "$T/right.log" >> "$T/mashd.log"
finish
