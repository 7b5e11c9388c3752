#!/bin/sh
# Screening (issue 11, item 1): `mashctl screen ID --reason TEXT` records
# the screening done: the screening timer and its supervisors' stage stop,
# audited as "screen", refused once recorded and once decided. A missed
# screening alerts the navigators at its due time and, still not done
# timers.screening_escalate working hours later, the supervisors, once,
# however many mashd share the Redis. 2026-11-24 is a Tuesday (GMT).
. "$(dirname "$0")/lib.sh"
recording_sendmail
staff_mail_conf
start_redis
R1=MASH-2026-000001
R2=MASH-2026-000002
R3=MASH-2026-000003
to() { sed -n 's/^To: //p' "$1" | tr ',' '\n' | tr -d ' ' | sort | tr '\n' ' '; }

# Tuesday 10:00: three Amber referrals; screening due 16:00 (6 working
# hours), its supervisors' stage 2 working hours on: Wednesday 08:30.
at "2026-11-24 10:00:00"
start_mashd
for i in 1 2 3; do post "$FIX/amber.json" > /dev/null; done
expect "screening due 16:00" "$(timer $R2 screening due | minute)" 2026-11-24T16:00
expect "its supervisors' stage Wednesday 08:30" \
	"$(timer $R2 screening_escalate due | minute)" 2026-11-25T08:30
expect "the same offline" "$("$MASHCTL" -c "$T/mashd.conf" deadlines \
	--received 2026-11-24T10:00:00Z --brag amber --json |
	jq -r .screening_escalate_due)" 2026-11-25T08:30:00Z

# R1 is screened at once: both stop, audited with who and why.
expect "screen needs a reason" "$(ctl screen $R1 > /dev/null 2>&1; echo $?)" 2
expect "a blank reason is refused" \
	"$(ctl screen $R1 --reason ' ' > /dev/null 2>&1; echo $?)" 1
expect "screen R1" "$(ctl screen $R1 --reason 'Checked with the school')" \
	"$R1: screening recorded"
expect "screening stopped" "$(timer $R1 screening stopped | minute)" 2026-11-24T10:00
expect "its supervisors' stage stopped" \
	"$(timer $R1 screening_escalate stopped | minute)" 2026-11-24T10:00
expect "show says when, in UTC ISO 8601, and why" \
	"$(ctl show $R1 --json | jq -r '[(.screened | sub(":[0-9][0-9]Z$"; "")), .screen_reason] | join(" ")')" \
	"2026-11-24T10:00 Checked with the school"
expect "out of the due set" \
	"$(rcli zrange '{mash}:due' 0 -1 | grep -c "^$R1:screening")" 0
expect_match "audited as screen, with who and why" "$(events $R1 screen)" \
	"actor uid:[0-9]+.* action screen detail reason=Checked with the school"
expect "the history shows it" \
	"$(ctl history $R1 --json | jq -r '[.[] | select(.action == "screen")] | length')" 1
expect "a second screen is refused" \
	"$(ctl screen $R1 --reason again 2>&1; echo "rc=$?")" \
	"mashctl: the screening of $R1 is recorded already (a re-rating starts it again)
rc=1"
expect "one screen event" "$(events $R1 screen | grep -c .)" 1
expect "an unknown referral is refused" \
	"$(ctl screen MASH-2026-000099 --reason x > /dev/null 2>&1; echo $?)" 1
# R3 is decided: screening it is refused, and nothing changes.
ctl decide $R3 nfa --reason 'Information only' > /dev/null
expect_match "refused once decided" \
	"$(ctl screen $R3 --reason late 2>&1)" "decided already"
expect "no screen event on R3" "$(events $R3 screen | grep -c .)" 0
stop_mashd

# 16:30: R2's screening was missed: the navigators alone are told; R1,
# screened, raises nothing.
at "2026-11-24 16:30:00"
start_mashd
wait_for 10 "[ \$(nmails navigators@hub.example '\\[$R2\\] screening target missed') -ge 1 ]"
m=$(mails navigators@hub.example "\\[$R2\\] screening target missed" | head -1)
expect "screening missed: the navigators alone" "$(to "$m")" "navigators@hub.example "
expect_match "saying how to record it" "$(cat "$m")" "mashctl screen $R2 --reason TEXT"
expect "nothing for the screened R1" "$(nmails @ "\\[$R1\\] screening")" 0
expect "no supervisors' alert yet" "$(nmails supervisors@hub.example screening)" 0
stop_mashd

# Wednesday 08:30, two mashd on the one Redis: the supervisors' stage
# fires once, to the supervisors alone.
cp "$T/mashd.conf" "$T/a.conf"
sed "s|$T/mashd.sock|$T/b.sock|" "$T/a.conf" > "$T/b.conf"
chmod 600 "$T/b.conf"
at "2026-11-25 08:29:58"
for c in a b; do
	TZ=UTC FAKETIME=$(fake_clock) LD_PRELOAD=$FAKETIME_LIB \
	ASAN_OPTIONS=verify_asan_link_order=0 \
		$MASHD_WRAP "$MASHD" -f -c "$T/$c.conf" 2>> "$T/mashd.log" &
	eval "pid_$c=\$!"
done
wait_for 20 "[ \$(nmails supervisors@hub.example '\\[$R2\\] screening still not done') -ge 1 ]"
sleep 1.5
kill $pid_a $pid_b
wait $pid_a $pid_b
m=$(mails supervisors@hub.example "\\[$R2\\] screening still not done" | head -1)
expect "the supervisors alone" "$(to "$m")" "supervisors@hub.example "
expect_match "telling of the screening missed" "$(cat "$m")" \
	"screening was due by Tue 24 Nov 2026 16:00"
expect "two processes, one firing" \
	"$(events $R2 fire | grep -c 'timer=screening_escalate ')" 1
expect "one supervisors' alert" \
	"$(nmails supervisors@hub.example "\\[$R2\\] screening still not done")" 1
expect "none for the screened R1" "$(events $R1 fire | grep -c screening)" 0

# A re-rating starts screening again: it may be recorded again.
at "2026-11-25 09:00:00"
start_mashd
ctl rate $R1 red --reason 'Disclosure at school' > /dev/null
expect "re-rated R1 has a running screening" "$(timer $R1 screening stopped)" null
expect "screen R1 again" "$(ctl screen $R1 --reason 'Strategy call' > /dev/null; echo $?)" 0
expect "two screen events" "$(events $R1 screen | grep -c .)" 2
# A re-rating to a rating without a screening target ends both stages.
post "$FIX/amber.json" > /dev/null; R4=$(jbody .id)
expect "a new Amber has both stages due" \
	"$(rcli zrange '{mash}:due' 0 -1 | grep -c "^$R4:screening")" 2
ctl rate $R4 green --reason 'Universal services enough' > /dev/null
expect "re-rated Green: neither is due" \
	"$(rcli zrange '{mash}:due' 0 -1 | grep -c "^$R4:screening")" 0
expect "nor shown" "$(ctl show $R4 --json | jq -c '[.timers.screening, .timers.screening_escalate]')" \
	'[null,null]'

# A reload with a new timers.screening_escalate moves the running stage,
# worked out from the screening's due time (Wednesday 15:00).
post "$FIX/amber.json" > /dev/null; R5=$(jbody .id)
expect "Wednesday's Amber: its supervisors' stage 17:00" \
	"$(timer $R5 screening_escalate due | minute)" 2026-11-25T17:00
echo 'timers = { screening_escalate = "1 working hour"; };' >> "$T/mashd.conf"
kill -HUP "$MASHD_PID"
wait_for 5 "[ \"\$(timer $R5 screening_escalate due | minute)\" = 2026-11-25T16:00 ]"
expect "after SIGHUP: one working hour after the screening, 16:00" "$?" 0
expect "the screening itself stays" "$(timer $R5 screening due | minute)" 2026-11-25T15:00
expect_match "the move is audited" "$(events "$R5" reschedule)" 'timer=screening_escalate'
stop_mashd
finish
