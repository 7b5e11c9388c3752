#!/bin/sh
# The digest's window is fixed by its first call: escalations fired and
# alerts held after it (here while mashd is stopped between two pages of
# the overdue referrals) go into the next digest, none lost and none told
# twice, and the held alerts are released once, each by the digest that
# told it.
. "$(dirname "$0")/lib.sh"
# mashd is stopped between two pages while the test writes to Redis: its
# page call must not time out meanwhile (slow under valgrind), which would
# start the gathering again (rightly), and the window with it.
REDIS_CONF='timeout = 120;'
write_conf 'alerts = { sendmail = ""; digest = true; };'
start_redis
N=300
at "2026-11-29 20:00:00"
timer_fill 2025 $N $(($(redis_ms) + 1000)) 1 decision_warning decision escalation
start_mashd
wait_for 60 "[ \"\$(rcli zcount '{mash}:due' -inf $(($(redis_ms) + 60000)))\" = 0 ]"
stop_mashd
held0=$(rcli xlen '{mash}:digest:held')
at "2026-11-30 07:59:58"
PAGE='"1" "{mash}:overdue" "{mash}:" '
start_mashd_stopped_at "$PAGE"
wait_for 30 "grep -qF '$PAGE' '$T/monitor' &&
	grep -q '^State:.*stopped' /proc/$MASHD_PID/status"
expect "stopped between two pages" "$?" 0
for i in 1 2 3 4 5; do
	rcli xadd '{mash}:digest:held' '*' event warning ref MASH-2026-00000$i brag amber at $(redis_ms) > /dev/null
	rcli xadd '{mash}:events' '*' ref MASH-2026-00000$i at $(redis_ms) actor mashd action fire detail "timer=escalation n=1" > /dev/null
done
kill -CONT "$MASHD_PID"
mashd_ready
wait_for 30 "[ -n \"\$(events '' digest | grep 'date=2026-11-30 ')\" ]"
expect "Monday's digest written" "$?" 0
kill "$MON"; wait "$MON" 2> /dev/null
detail=$(events '' digest | grep 'date=2026-11-30 ')
echo "# $detail"
count() { echo "$detail" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
expect "Monday escalations: Sunday's only" "$(count escalations)" $N
expect "Monday held: those held before its first call" "$(count held)" $held0
expect "the 5 held later stay" "$(rcli xlen '{mash}:digest:held')" 5
stop_mashd
at "2026-12-01 07:59:58"
start_mashd
wait_for 30 "[ -n \"\$(events '' digest | grep 'date=2026-12-01 ')\" ]"
expect "Tuesday's digest written" "$?" 0
detail=$(events '' digest | grep 'date=2026-12-01 ')
echo "# $detail"
expect "Tuesday escalations: the 5 later" "$(count escalations)" 5
# Tuesday's also tells the reminders its own start fired and held.
expect_match "Tuesday held: the 5 later among them" "$(count held)" \
	'^([5-9]|[1-9][0-9]+)$'
expect "none held after: each released once" \
	"$(rcli xlen '{mash}:digest:held')" 0
stop_mashd
finish
