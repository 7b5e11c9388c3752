#!/bin/sh
# The reminder ladder (issue 12, item 3): while a decision stays overdue,
# a reminder every timers.overdue_repeat working hours (2) to the
# navigators and the holder; from the 2nd (timers.overdue_supervisor) to
# the supervisors too, from the 4th (timers.overdue_manager) to
# recipients.managers too. Two mashd share the Redis throughout: each
# reminder goes once, at its instant. `decide` stops the ladder. Every
# staff alert says how late and who holds the referral.
# 2026-11-24 is a Tuesday (GMT); office hours Mon-Thu 08:00-17:30.
. "$(dirname "$0")/lib.sh"
recording_sendmail
write_conf "
alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\"; };
recipients = { navigators = [ \"navigators@hub.example\" ];
  supervisors = [ \"supervisors@hub.example\" ];
  managers = [ \"managers@hub.example\" ]; };"
start_redis
R1=MASH-2026-000001
R2=MASH-2026-000002
ME=$(id -un)
# to MAIL: its To: header, unfolded, one sorted line.
to() {
	awk '/^To: / { t = substr($0, 5); f = 1; next }
		f && /^[ \t]/ { t = t $0; next } { f = 0 }
		END { print t }' "$1" | tr ',' '\n' | tr -d ' \t' | sort |
		tr '\n' ' '
}
# due_of REF TIMER: its due time from Redis, to the minute, UTC.
due_of() {
	date -u -d "@$(($(rcli hget "{mash}:ref:$1" "due:$2") / 1000))" +%Y-%m-%dT%H:%M
}
cp "$T/mashd.conf" "$T/a.conf"
sed "s|$T/mashd.sock|$T/b.sock|" "$T/a.conf" > "$T/b.conf"
chmod 600 "$T/b.conf"
# two INSTANT: two mashd on the one Redis from INSTANT on.
two() {
	at "$1"
	for c in a b; do
		TZ=UTC FAKETIME=$(fake_clock) LD_PRELOAD=$FAKETIME_LIB \
		ASAN_OPTIONS=verify_asan_link_order=0 \
			$MASHD_WRAP "$MASHD" -f -c "$T/$c.conf" 2>> "$T/mashd.log" &
		eval "pid_$c=\$!"
	done
	wait_for 20 "[ -S $T/mashd.sock ] && [ -S $T/b.sock ] && ctl status > /dev/null 2>&1"
}
untwo() {
	kill $pid_a $pid_b
	wait $pid_a $pid_b
	rm -f "$T/mashd.sock" "$T/b.sock"
}
reminders() { # ADDRESS REF
	nmails "$1" "\\[$2\\] decision still overdue"
}
# rung N INSTANT: just before INSTANT, two mashd; the Nth reminder of R1
# comes once to the navigators, and nothing for R2 (decided).
rung() {
	two "$2"
	wait_for 20 "[ \$(reminders navigators@hub.example $R1) -ge $1 ]"
	expect "reminder $1 came" "$?" 0
	sleep 1.5 # the other mashd would have sent it by now
	untwo
	expect "reminder $1: one firing with two mashd" \
		"$(events $R1 fire | grep -c 'timer=overdue_reminder ')" "$1"
	expect "reminder $1: once to the navigators" \
		"$(reminders navigators@hub.example $R1)" "$1"
}

# Tuesday 10:00: two Green referrals (no screening target); the decision
# is due Wednesday 10:00. R1 is claimed, R2 decided at once.
at "2026-11-24 10:00:00"
start_mashd
post "$FIX/green.json" > /dev/null
post "$FIX/green.json" > /dev/null
ctl claim $R1 > /dev/null
ctl decide $R2 nfa --reason 'Information only' > /dev/null
expect "decision due Wednesday 10:00" "$(timer $R1 decision due | minute)" 2026-11-25T10:00
stop_mashd

# Wednesday 10:00: overdue, to the supervisors, navigators and the holder,
# saying who holds it; the first reminder is scheduled 2 working hours on.
two "2026-11-25 09:59:58"
wait_for 20 "[ \$(nmails navigators@hub.example '\\[$R1\\] decision overdue') -ge 1 ]"
wait_for 10 "[ -n \"\$(rcli hget {mash}:ref:$R1 due:overdue_reminder)\" ]"
untwo
m=$(mails navigators@hub.example "\\[$R1\\] decision overdue" | head -1)
expect "overdue: supervisors, navigators and the holder" "$(to "$m")" \
	"$(printf '%s\n' navigators@hub.example supervisors@hub.example "$ME" | sort | tr '\n' ' ')"
expect_match "says who holds it" "$(cat "$m")" "Held by uid:[0-9]+\\($ME\\)"
expect "one overdue alert" "$(nmails navigators@hub.example "\\[$R1\\] decision overdue")" 1
expect "reminder 1 due Wednesday 12:00" "$(due_of $R1 overdue_reminder)" 2026-11-25T12:00
expect "none for the decided R2" "$(events $R2 fire | grep -c .)" 0

# Reminder 1, Wednesday 12:00: the navigators and the holder alone.
rung 1 "2026-11-25 11:59:58"
m=$(mails navigators@hub.example "\\[$R1\\] decision still overdue" | head -1)
expect "reminder 1: navigators and the holder" "$(to "$m")" \
	"$(printf '%s\n' navigators@hub.example "$ME" | sort | tr '\n' ' ')"
expect_match "reminder 1 says how late" "$(cat "$m")" "Late by 2 h 00 min"
expect_match "and which reminder" "$(cat "$m")" "reminder 1: the decision was due by Wed 25 Nov 2026 10:00"
# Reminder 2, 14:00: the supervisors too.
rung 2 "2026-11-25 13:59:58"
expect "reminder 2: to the supervisors too" "$(reminders supervisors@hub.example $R1)" 1
expect "not yet to the managers" "$(reminders managers@hub.example $R1)" 0
# Reminder 3, 16:00; reminder 4, Thursday 08:30 (1 h 30 min of
# Wednesday, 30 min of Thursday): the managers too.
rung 3 "2026-11-25 15:59:58"
expect "reminder 4 due Thursday 08:30" "$(due_of $R1 overdue_reminder)" 2026-11-26T08:30
rung 4 "2026-11-26 08:29:58"
expect "reminder 4: to the managers" "$(reminders managers@hub.example $R1)" 1
m=$(mails managers@hub.example "\\[$R1\\] decision still overdue" | head -1)
expect "reminder 4: navigators, supervisors, managers and the holder" "$(to "$m")" \
	"$(printf '%s\n' navigators@hub.example supervisors@hub.example managers@hub.example "$ME" | sort | tr '\n' ' ')"
expect "reminders 2 to 4 to the supervisors" "$(reminders supervisors@hub.example $R1)" 3
expect "each rung scheduled once" "$(events $R1 schedule | grep -c 'timer=overdue_reminder')" 5

# Thursday 09:00 the decision stops the ladder: nothing at 10:30 or after.
at "2026-11-26 09:00:00"
start_mashd
ctl decide $R1 nfa --reason 'Information only' > /dev/null
expect "the ladder stopped" "$(timer $R1 overdue_reminder stopped | minute)" 2026-11-26T09:00
expect "out of the due set" "$(rcli zrange '{mash}:due' 0 -1 | grep -c "^$R1:overdue")" 0
stop_mashd
two "2026-11-26 16:00:00"
sleep 2
untwo
expect "no reminder after the decision" "$(reminders navigators@hub.example $R1)" 4
finish
