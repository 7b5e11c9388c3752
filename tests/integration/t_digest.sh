#!/bin/sh
# The supervisors' daily digest (issue 12, item 2): at the hub's opening
# on each working day, none on a Saturday or a bank holiday, once with
# two mashd on the one Redis; its content checked line by line against a
# history built at chosen instants; no personal data in it. Then, with
# alerts.digest = true, an Amber warning goes only into the digest while
# a Red one and the first overdue go at once.
# 2026-11-24 is a Tuesday (GMT); office hours Mon-Thu 08:00-17:30,
# Fri 08:00-16:30; 2026-12-28 is a bank holiday (Boxing Day, moved).
. "$(dirname "$0")/lib.sh"
recording_sendmail
conf() { # [EXTRA-ALERTS-KEYS]
	staff_mail_conf "$1"
	cp "$T/mashd.conf" "$T/a.conf"
	sed "s|$T/mashd.sock|$T/b.sock|" "$T/a.conf" > "$T/b.conf"
	chmod 600 "$T/b.conf"
}
conf
start_redis
ME=$(id -un)
R0=MASH-2026-000001
R1=MASH-2026-000002
R2=MASH-2026-000003
R3=MASH-2026-000004
R4=MASH-2026-000005
# digest DATE: the digest mail of that local date (its file), if any.
digest() {
	_d=$(date -u -d "$1" '+%a %d %b %Y')
	mails supervisors@hub.example "daily digest of $_d\$"
}
ndigests() { digest "$1" | grep -c .; }
# body FILE: the mail's body, after its headers.
mailbody() { sed '1,/^$/d' "$1"; }
# run INSTANT: mashd from INSTANT on; stopped by the next run or `finish`.
run() {
	[ -z "$MASHD_PID" ] || stop_mashd
	at "$1"
	start_mashd
}
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

# The history. Tuesday 10:00: R0, Green, never claimed nor decided.
run "2026-11-24 10:00:00"
post "$FIX/green.json" > /dev/null
# Thursday 10:00: R1, Green, claimed, never decided.
run "2026-11-26 10:00:00"
post "$FIX/green.json" > /dev/null
ctl claim $R1 > /dev/null
stop_mashd
# Friday 08:00: the digest at the opening.
two "2026-11-27 07:59:58"
wait_for 20 "[ \$(ndigests 2026-11-27) -ge 1 ]"
sleep 1.5 # the other mashd would have sent it by now
untwo
expect "Friday: the digest at the opening, once with two mashd" "$(ndigests 2026-11-27)" 1
expect "audited once" "$(events '' digest | grep -c 'date=2026-11-27 ')" 1
# Friday 09:00: R2, by telephone (Amber), never confirmed in writing.
run "2026-11-27 09:00:00"
expect "R2 by telephone" "$(ctl referral new --file "$FIX/phone.json" --json | jq -r .id)" $R2
# Friday 10:00: R0's escalation fires (3 working days), R1 is overdue;
# R3, Green, decided in time; R4, whose referrer gave no address, so
# the acknowledgement is a call-back task.
run "2026-11-27 10:00:00"
post "$FIX/green.json" > /dev/null
ctl decide $R3 nfa --reason 'Information only' > /dev/null
jq 'del(.referrer.email)' "$FIX/green.json" > "$T/noemail.json"
post "$T/noemail.json" > /dev/null
wait_for 10 "[ \$(rcli zcard '{mash}:callbacks') = 1 ]"
wait_for 10 "fired $R0 escalation"
stop_mashd
# Saturday 08:00: nothing (closed).
two "2026-11-28 07:59:58"
sleep 4
untwo
expect "no digest on a Saturday" "$(events '' digest | grep -c 'date=2026-11-28 ')" 0
# Sunday noon: R2's written confirmation (due Saturday 09:00) fires late;
# no digest on a Sunday either.
run "2026-11-29 12:00:00"
wait_for 10 "fired $R2 written"
stop_mashd
expect "none on a Sunday" "$(events '' digest | grep -c 'date=2026-11-29 ')" 0
# Monday 08:00: two mashd, one digest.
two "2026-11-30 07:59:58"
wait_for 20 "[ \$(ndigests 2026-11-30) -ge 1 ]"
sleep 1.5
untwo
expect "Monday: one digest with two mashd" "$(ndigests 2026-11-30)" 1
expect "to the supervisors alone" "$(grep -c '^To: supervisors@hub.example$' $(digest 2026-11-30))" 1
m=$(digest 2026-11-30)
mailbody "$m" > "$T/digest"
cat > "$T/want" <<EOW
Daily digest of the hub for Mon 30 Nov 2026 08:00 GMT.
References and counts only: see each referral with mashctl show REF.

Decisions overdue: 2
  $R0  held by nobody (not claimed), late by 25 h 30 min of working time (due Wed 25 Nov 2026 10:00 GMT)
  $R1  held by $ME, late by 6 h 30 min of working time (due Fri 27 Nov 2026 10:00 GMT)

Escalations fired since Fri 27 Nov 2026 08:00 GMT: 1
  $R0  fired Fri 27 Nov 2026 10:00 GMT

Written confirmations missing (telephone referrals past their 24 hours): 1
  $R2  was due Sat 28 Nov 2026 09:00 GMT

Open call-back tasks: 1
  $R4  call back by Fri 27 Nov 2026 10:00 GMT

Dead letters (alerts never delivered) since then: 0 (0 in all)

Timeliness of the referrals received from Fri 27 Nov 2026 00:00 GMT to Mon 30 Nov 2026 00:00 GMT (as mashctl report counts them):
  received 3, decided 1, decided in time 1 (33.3 %)
EOW
diff "$T/want" "$T/digest" > "$T/diff"
expect "the digest, line by line" "$(cat "$T/diff")" ""
if grep -F -i -f "$FIX/NAMES" "$m" > "$T/leak" ||
	grep -E -i '2017-09-02|2020-01-27|Wrenhollow|neglect|Mensah|nhs\.example' "$m" >> "$T/leak"; then
	not_ok "no personal data in the digest" "$(head -3 "$T/leak")"
else
	ok "no personal data in the digest"
fi

# A bank holiday: none; the next working day: one.
at "2026-12-28 07:59:58"
start_mashd
sleep 4
expect "no digest on a bank holiday" "$(events '' digest | grep -c 'date=2026-12-28 ')" 0
run "2026-12-29 07:59:58"
wait_for 20 "[ \$(ndigests 2026-12-29) -ge 1 ]"
expect "the next working day's" "$(ndigests 2026-12-29)" 1
# Sent, the hub open, SIGHUP: mashd looks at the time again, sends
# nothing more and sleeps (not looking again at once: each look would be
# a wake-up, a thousand a second).
wakeups() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$MASHD_PID/status"; }
kill -HUP "$MASHD_PID"
w0=$(wakeups)
sleep 3
w1=$(wakeups)
expect "asleep once sent: under 300 wake-ups in 3 s" "$((w1 - w0 < 300))" 1
expect "sent once still" "$(ndigests 2026-12-29)" 1
stop_mashd

# alerts.digest = true: a new hub.
rcli flushall > /dev/null
rm -f "$T"/mail/*
conf "digest = true;"
A1=MASH-2026-000001
A2=MASH-2026-000002
# Tuesday 1 December 09:00: A1 Amber, A2 Red (their decisions due
# Wednesday 09:00, warned of Tuesday 16:30).
run "2026-12-01 09:00:00"
post "$FIX/amber.json" > /dev/null
post "$FIX/red.json" > /dev/null
# 16:00: A1's screening (due 15:00) fires late; 16:30 the warnings.
run "2026-12-01 16:00:00"
wait_for 20 "fired $A1 screening"
run "2026-12-01 16:29:58"
wait_for 20 "fired $A1 decision_warning && fired $A2 decision_warning"
sleep 1
expect "the Red warning at once" "$(nmails navigators@hub.example "\\[$A2\\] .*decision")" 1
expect "the Amber warning not at once" "$(nmails navigators@hub.example "\\[$A1\\] .*decision")" 0
expect "the Amber screening alert not at once" "$(nmails navigators@hub.example "\\[$A1\\] screening")" 0
# Wednesday 09:00: the first overdue of each goes at once.
run "2026-12-02 08:59:58"
wait_for 20 "[ \$(nmails supervisors@hub.example '\\[$A1\\] decision overdue') -ge 1 ] &&
	[ \$(nmails supervisors@hub.example '\\[$A2\\] decision overdue') -ge 1 ]"
expect "A1's first overdue at once" "$(nmails supervisors@hub.example "\\[$A1\\] decision overdue")" 1
expect "A2's first overdue at once" "$(nmails supervisors@hub.example "\\[$A2\\] decision overdue")" 1
# Wednesday's digest (sent when mashd started, after the opening) holds
# A1's warning and screening alerts, and nothing of A2; and A1's
# screening escalation (due Tuesday 17:00), which fired as mashd started:
# the digest is gathered once what was due at the start has fired, as a
# mashd that had run all night would have fired it before the opening.
# (It fired when mashd had started, from 08:59:58: the minute is 08:59,
# or 09:00 for a mashd slow to start, as under valgrind.)
m=$(digest 2026-12-02)
expect "Wednesday's digest" "$(echo "$m" | grep -c .)" 1
mailbody "$m" | sed -n '/^Alerts held/,/^$/p' |
	sed 's/^\(  .* screening_escalation .*\) Wed 02 Dec 2026 \(08:59\|09:00\) GMT$/\1 AT START/' \
	> "$T/held"
cat > "$T/want" <<EOW
Alerts held for this digest (alerts.digest): 3
  $A1  screening (amber) Tue 01 Dec 2026 16:00 GMT
  $A1  warning (amber) Tue 01 Dec 2026 16:30 GMT
  $A1  screening_escalation (amber) AT START

EOW
diff "$T/want" "$T/held" > "$T/diff"
expect "the held alerts, line by line" "$(cat "$T/diff")" ""
# Those told are no longer held.
expect "those told no longer held" \
	"$(rcli xrange '{mash}:digest:held' - + | grep -A1 -x event | grep -v -x -e event -e --)" \
	""
finish
