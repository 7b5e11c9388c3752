#!/bin/sh
# The statutory timers fire on time, exactly once, across restarts, and
# never after they were stopped. mashd runs at chosen instants under
# libfaketime: no test waits for days. Times are UTC; 2026-11-27 is a
# Friday and London is on GMT, so local time is UTC there.
. "$(dirname "$0")/lib.sh"
start_redis
R1=MASH-2026-000001
R2=MASH-2026-000002

# A Friday-afternoon amber referral.
at "2026-11-27 15:00:00"
start_mashd
expect "amber on Friday 15:00" "$(post "$FIX/amber.json")" 201
ctl show $R1 --json > "$T/show"
expect "decision due Monday 15:00" "$(jq -r .timers.decision.due "$T/show" | minute)" \
	2026-11-30T15:00
expect "escalation due Wednesday 15:00" \
	"$(jq -r .timers.escalation.due "$T/show" | minute)" 2026-12-02T15:00
expect "screening: 6 working hours, Monday 12:30" \
	"$(jq -r .timers.screening.due "$T/show" | minute)" 2026-11-30T12:30
expect "warning 2 working hours before the decision" \
	"$(jq -r .timers.decision_warning.due "$T/show" | minute)" 2026-11-30T13:00
expect "no written timer for the web" "$(jq -r '.timers.written' "$T/show")" null
expect "nothing fired yet" "$(jq -r '[.timers[].fired] | map(select(. != null)) | length' "$T/show")" 0
expect "the same due times offline" \
	"$("$MASHCTL" -c "$T/mashd.conf" deadlines --received 2026-11-27T15:00:00Z \
		--channel web --brag amber --json | jq -c .)" \
	'{"decision_due":"2026-11-30T15:00:00Z","escalation_due":"2026-12-02T15:00:00Z","written_due":null,"screening_due":"2026-11-30T12:30:00Z","decision_warning_due":"2026-11-30T13:00:00Z","screening_escalate_due":"2026-11-30T14:30:00Z"}'
# A red one too: screening 4 elapsed hours, through the evening.
expect "red on Friday 15:00" "$(post "$FIX/red.json")" 201
expect "red screening due 19:00 the same day" \
	"$(ctl show $R2 --json | jq -r .timers.screening.due | minute)" 2026-11-27T19:00
stop_mashd

# Saturday: the red's screening fell due while mashd was down. It fires
# once, late, on start; the amber's decision does not fire.
at "2026-11-28 10:00:00"
start_mashd
wait_for 5 "fired $R2 screening"
expect "red screening caught up on start" "$?" 0
expect_match "and logged as late" "$(cat "$T/mashd.log")" \
	"referral $R2 timer screening fired .*late by [0-9]+s"
sleep 1.2
expect "amber's decision not fired on Saturday" \
	"$(ctl show $R1 --json | jq -r .timers.decision.fired)" null
expect "queue --overdue lists the red only" \
	"$(ctl queue --overdue --json | jq -r 'map(.id) | join(" ")')" $R2
expect "the red is overdue for screening" \
	"$(ctl queue --json | jq -r ".[] | select(.id == \"$R2\") | .overdue | join(\",\")")" \
	screening
stop_mashd
expect "one firing of red's screening" "$(events $R2 fire | grep -c timer=screening)" 1

# Monday 14:59:30: screening (12:30) and the warning (13:00) catch up; the
# decision (15:00) fires at its instant and not before. (The test's clock
# runs from `at`, so a slow start, under valgrind, eats into the 30 s.)
at "2026-11-30 14:59:30"
start_mashd
wait_for 5 "fired $R1 decision_warning"
expect "warning caught up" "$?" 0
expect "decision not yet fired before 15:00" \
	"$(ctl show $R1 --json | jq -r .timers.decision.fired)" null
wait_for 45 "fired $R1 decision"
expect "decision fired" "$?" 0
expect "fired on Monday at 15:00" "$(timer $R1 decision fired | minute)" \
	2026-11-30T15:00
expect "within a second of its due instant" "$(on_time $R1 decision)" yes
expect "outbox carries the overdue alert" \
	"$(rcli xrange '{mash}:outbox' - + | tr '\n' ' ' | grep -c "event overdue ref $R1")" 1
stop_mashd

# Restart: nothing fires twice.
at "2026-11-30 16:00:00"
start_mashd
sleep 1.2
stop_mashd
expect "decision fired once in all" "$(events $R1 fire | grep -c 'timer=decision ')" 1
expect "screening fired once in all" "$(events $R1 fire | grep -c 'timer=screening ')" 1

# Decide stops the timers: the escalation (Wednesday) never fires.
at "2026-11-30 16:00:00"
start_mashd
ctl decide $R1 frobnicate --reason "x" > /dev/null 2> "$T/err"
expect "unknown outcome refused" "$?" 1
ctl decide $R1 s17 > /dev/null 2> "$T/err"
expect "a decision without a reason is refused" "$?" 2
expect "decide" "$(ctl decide $R1 s17 --reason 'Child in need assessment' --json | jq -r .ok)" true
ctl decide $R1 nfa --reason again > /dev/null 2> "$T/err"
expect "deciding twice is refused" "$?" 1
expect_match "and says why" "$(cat "$T/err")" 'decided already'
ctl show $R1 --json > "$T/show"
expect "outcome recorded" "$(jq -r .outcome "$T/show")" s17
expect "escalation stopped" "$(jq -r .timers.escalation.stopped "$T/show" | minute)" 2026-11-30T16:00
expect "decided referral leaves the queue" \
	"$(ctl queue --json | jq -r "map(select(.id == \"$R1\")) | length")" 0
ctl confirm $R1 > /dev/null 2> "$T/err"
expect "confirm of a web referral is refused" "$?" 1
expect_match "and says why" "$(cat "$T/err")" 'awaits no written confirmation'
stop_mashd
at "2026-12-03 10:00:00"
start_mashd
sleep 1.2
stop_mashd
expect "a stopped timer never fires" "$(events $R1 fire | grep -c 'timer=escalation ')" 0
expect "the red's escalation did fire" "$(events $R2 fire | grep -c 'timer=escalation ')" 1

# Exactly once with two mashd processes on one Redis.
at "2026-12-07 10:00:00" # Monday
start_mashd
expect "referral for the race" "$(post "$FIX/green.json")" 201
R3=$(jbody .id)
due=$(ctl show "$R3" --json | jq -r .timers.decision.due | minute)
expect "green: decision due Tuesday 10:00" "$due" 2026-12-08T10:00
stop_mashd
cp "$T/mashd.conf" "$T/a.conf"
sed "s|$T/mashd.sock|$T/b.sock|" "$T/a.conf" > "$T/b.conf"
chmod 600 "$T/b.conf"
at "2026-12-08 09:59:58"
for c in a b; do
	TZ=UTC FAKETIME=$(fake_clock) LD_PRELOAD=$FAKETIME_LIB \
	ASAN_OPTIONS=verify_asan_link_order=0 \
		"$MASHD" -f -c "$T/$c.conf" 2>> "$T/mashd.log" &
	eval "pid_$c=\$!"
done
wait_for 10 "rcli hexists '{mash}:ref:$R3' fired:decision | grep -q 1"
sleep 1.5
kill $pid_a $pid_b
wait $pid_a $pid_b
expect "two processes, one firing" "$(events "$R3" fire | grep -c 'timer=decision ')" 1
expect "one overdue alert in the outbox" \
	"$(rcli xrange '{mash}:outbox' - + | tr '\n' ' ' | grep -o "event overdue ref $R3" | wc -l)" 1

# The Thursday before Easter, in summer time: 15:00 BST is 14:00 UTC.
# Good Friday and Easter Monday are closed: the decision is due Tuesday.
at "2026-04-02 14:00:00"
start_mashd
expect "amber on Maundy Thursday" "$(post "$FIX/amber.json")" 201
R5=$(jbody .id)
expect "id carries the year of receipt" "$R5" MASH-2026-000004
ctl show "$R5" --json > "$T/show"
expect "decision due Tuesday 15:00 BST" "$(jq -r .timers.decision.due "$T/show" | minute)" \
	2026-04-07T14:00
expect "escalation due Thursday 15:00 BST" \
	"$(jq -r .timers.escalation.due "$T/show" | minute)" 2026-04-09T14:00
stop_mashd
at "2026-04-06 23:59:58" # Easter Monday, the last instants
start_mashd
sleep 1.5
expect "not fired over Easter" \
	"$(ctl show "$R5" --json | jq -r .timers.decision.fired)" null
stop_mashd

# SIGHUP re-reads the calendar: an extra holiday moves open deadlines.
at "2026-12-07 10:00:00"
start_mashd
expect "amber on Monday 10:00" "$(post "$FIX/amber.json")" 201
R4=$(jbody .id)
expect "decision due Tuesday 10:00" \
	"$(ctl show "$R4" --json | jq -r .timers.decision.due | minute)" 2026-12-08T10:00
sed -i 's|^calendar = {|calendar = { extra_holidays = [ "2026-12-08" ];|' "$T/mashd.conf"
kill -HUP "$MASHD_PID"
wait_for 5 "[ \"\$(timer $R4 decision due | minute)\" = 2026-12-09T10:00 ]"
expect "after SIGHUP: decision due Wednesday" "$?" 0
expect_match "the move is audited" "$(events "$R4" reschedule)" 'timer=decision'
echo 'bogus = 1;' >> "$T/mashd.conf"
kill -HUP "$MASHD_PID"
wait_for 5 grep -q 'keeping the running configuration' "$T/mashd.log"
expect "a bad config on SIGHUP keeps the old one" "$?" 0
expect "mashd still answers" "$(ctl status --json | jq -r .redis)" up
finish
