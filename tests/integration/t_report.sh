#!/bin/sh
# mashctl report: every figure over a week of referrals made at chosen
# instants (Monday 23 to Sunday 29 November 2026, GMT): decisions in and
# out of time, a telephone referral confirmed late and one in time, a
# re-referral of the same child, a re-rating that restarts screening, an
# escalation fired, and a decision after the range that does not count.
# The report is read from the audit stream, and its reading is audited.
. "$(dirname "$0")/lib.sh"
write_conf 'repeat = { secret = "report-test-secret-0123456789"; threshold = 3; window_days = 365; };'
start_redis
# when INSTANT: mashd runs on the test's clock from that instant. One
# mashd follows the clock (LIVE_CLOCK): it was restarted at each instant,
# 19 starts, 100 of this test's 112 s under valgrind.
LIVE_CLOCK=1
when() {
	at "$1"
	[ -n "$MASHD_PID" ] || start_mashd
}
id_of() { jq -r .id "$T/body"; }

when "2026-11-23 10:00:00"
post "$FIX/amber.json" > /dev/null; A=$(id_of)
when "2026-11-23 14:00:00"
ctl screen "$A" --reason "checks done" > /dev/null
when "2026-11-23 16:00:00"
B=$(ctl referral new --file "$FIX/phone.json" --json | jq -r .id)
when "2026-11-24 09:00:00"
ctl decide "$A" s17 --reason "child in need" > /dev/null
when "2026-11-24 11:00:00"
C=$(ctl referral new --file "$FIX/phone.json" --json | jq -r .id)
when "2026-11-24 15:00:00"
ctl confirm "$C" > /dev/null
when "2026-11-25 09:00:00"
ctl confirm "$B" > /dev/null
post "$FIX/red.json" > /dev/null; D=$(id_of)
when "2026-11-25 10:00:00"
ctl decide "$B" s47 --reason "strategy discussion" > /dev/null
when "2026-11-25 12:00:00"
ctl decide "$D" early_help --reason "family support" > /dev/null
when "2026-11-26 09:00:00"
post "$FIX/blue.json" > /dev/null; E=$(id_of)
when "2026-11-26 10:00:00"
ctl rate "$E" amber --reason "school adds neglect" > /dev/null
when "2026-11-26 14:00:00"
ctl decide "$E" nfa --reason "no further action" > /dev/null
when "2026-11-26 15:00:00"
ctl reopen "$E" --reason "the school rang again" > /dev/null
when "2026-11-27 10:00:00"
ctl decide "$E" nfa --reason "no further action after all" > /dev/null
when "2026-11-27 11:00:05"
# C's escalation, due at 11:00, armed days before: the live clock's
# mashd fires it within a second; a restart is kept as a second way its
# catch-up must also come to the same (the report counts it once).
stop_mashd
start_mashd
wait_for 10 "[ -n \"\$(rcli hget '{mash}:ref:$C' fired:escalation)\" ]"
when "2026-11-28 10:00:00"
post "$FIX/green.json" > /dev/null; F=$(id_of)
when "2026-11-30 09:00:00"
ctl decide "$F" universal --reason "signposted" > /dev/null
expect "six referrals made" "$A $B $C $D $E $F" \
	"MASH-2026-000001 MASH-2026-000002 MASH-2026-000003 MASH-2026-000004 MASH-2026-000005 MASH-2026-000006"

ctl report --from 2026-11-23 --to 2026-11-29 --json > "$T/r.json"
expect "report answers" "$?" 0
f() { jq -r ".total.$1" "$T/r.json"; }
expect "range: the local days, whole" "$(jq -r '.from + " " + .to' "$T/r.json")" \
	"2026-11-23T00:00:00Z 2026-11-30T00:00:00Z"
expect "received: six" "$(f received)" 6
expect "decided: four by the range's end (F's decision after it)" "$(f decided)" 4
expect "decided_in_time: A, D (B two days late, E's last decision late)" "$(f decided_in_time)" 2
expect "decided_in_time_pct: 2 of 6" "$(f decided_in_time_pct)" 33.3
expect "p50: 3.0, 8.5, 10.5, 13.0 working hours -> 8.5" "$(f decision_working_hours_p50)" 8.5
expect "p90 -> 13.0" "$(f decision_working_hours_p90)" 13
expect "screened in time, red: D decided within 4 hours" "$(f screened_in_time_pct.red)" 100
expect "screened in time, amber: A (screened) and E (re-rated) of A, B, C, E" "$(f screened_in_time_pct.amber)" 50
expect "amber screenings due" "$(f screening_due.amber)" 4
expect "green and blue: no target" "$(f screened_in_time_pct.green) $(f screened_in_time_pct.blue)" "null null"
expect "written_due: the two telephone referrals" "$(f written_due)" 2
expect "written_in_time: C (B confirmed after 41 hours)" "$(f written_in_time)" 1
expect "escalations: C's fired on Friday" "$(f escalations)" 1
expect "outcomes" "$(jq -c .total.outcomes "$T/r.json")" \
	'{"s47":1,"s17":1,"early_help":1,"universal":0,"nfa":1,"open_case":0}'
expect "repeats: C, the same child as B" "$(f repeats)" 1
expect "repeat_pct: 1 of 6" "$(f repeat_pct)" 16.7
expect "open_overdue: C (F is not due yet)" "$(f open_overdue)" 1

ctl report --from 2026-11-23 --to 2026-11-29 --by channel --json > "$T/r.json"
expect "by channel: the groups" "$(jq -r '[.groups[].group] | join(" ")' "$T/r.json")" "phone web"
expect "phone: received, in time, written" \
	"$(jq -r '.groups[0] | [.received, .decided_in_time, .written_due, .written_in_time, .open_overdue] | join(" ")' "$T/r.json")" "2 0 2 1 1"
expect "web: received, in time" \
	"$(jq -r '.groups[1] | [.received, .decided_in_time, .decided_in_time_pct] | join(" ")' "$T/r.json")" "4 2 50"
ctl report --from 2026-11-23 --to 2026-11-29 --by brag --json > "$T/r.json"
expect "by brag: the rating at the range's end" \
	"$(jq -r '[.groups[] | .group + "=" + (.received | tostring)] | join(" ")' "$T/r.json")" "amber=4 green=1 red=1"
ctl report --from 2026-11-23 --to 2026-11-29 --by agency --json > "$T/r.json"
expect "by agency: the referrer's" \
	"$(jq -r '.groups[] | select(.group == "Brackenmoor Community Midwifery") | .received' "$T/r.json")" 2
ctl report --from 2026-11-23 --to 2026-11-29 --by outcome --json > "$T/r.json"
expect "by outcome: undecided at the end" \
	"$(jq -r '.groups[] | select(.group == "undecided") | .received' "$T/r.json")" 2

ctl report --from 2026-11-23 --to 2026-11-29 --csv > "$T/r.csv"
expect "CSV: a header" "$(head -1 "$T/r.csv" | cut -d, -f1-5)" \
	"group,received,decided,decided_in_time,decided_in_time_pct"
expect "CSV: the total" "$(sed -n 2p "$T/r.csv" | cut -d, -f1-7)" '"total",6,4,2,33.3,8.5,13.0'
ctl report --from 2026-11-23 --to 2026-11-29 > "$T/r.txt"
expect_match "table: the range in local time" "$(head -1 "$T/r.txt")" \
	'^Referrals received from Mon 23 Nov 2026 00:00(:00)? GMT to Mon 30 Nov 2026 00:00(:00)? GMT$'
expect_match "table: a figure" "$(grep '^decided in time %' "$T/r.txt")" '33\.3$'

expect "reading it is audited, each time, with who asked" \
	"$(rcli xrange '{mash}:events' - + | grep -A4 -x 'uid:0(root)' | grep -A2 -x report |
		grep -c '^report from=2026-11-23T00:00:00Z to=2026-11-30T00:00:00Z by=')" 7
ctl report --from 2026-11-29 --to 2026-11-23 2> "$T/err"
expect "an empty range is refused" "$?" 1
expect "saying why" "$(cat "$T/err")" "mashctl: the report's range is empty: --to is before --from"
ctl report --from yesterday --to 2026-11-23 2> "$T/err"
expect "a date that is none is refused" "$?" 1
ctl report --from 2026-11-23 --to 2026-11-29 --by child 2> "$T/err"
expect "an unknown --by is refused" "$(cat "$T/err")" \
	'mashctl: unknown --by "child": use brag, channel, agency or outcome'
ctl audit verify > /dev/null
expect "the chain holds over the week" "$?" 0
finish
