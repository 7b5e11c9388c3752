#!/bin/sh
# mashctl computes deadlines and shows the calendar offline, without a
# daemon, from the configuration's calendar and timers.
. "$(dirname "$0")/lib.sh"
write_conf
dl() { "$MASHCTL" -c "$T/mashd.conf" deadlines --json "$@"; }

expect "Christmas Eve phone referral, amber" \
	"$(dl --received 2026-12-24T15:00:00Z --channel phone --brag amber | jq -c .)" \
	'{"decision_due":"2026-12-29T15:00:00Z","escalation_due":"2026-12-31T15:00:00Z","written_due":"2026-12-25T15:00:00Z","screening_due":"2026-12-29T11:30:00Z","decision_warning_due":"2026-12-29T13:00:00Z","screening_escalate_due":"2026-12-29T13:30:00Z"}'
expect "red screening runs through the night" \
	"$(dl --received 2026-11-27T22:00:00Z --brag red | jq -r .screening_due)" \
	2026-11-28T02:00:00Z
expect "green has no screening" \
	"$(dl --received 2026-11-24T10:00:00Z --brag green | jq -r .screening_due)" null
expect "web has no written timer" \
	"$(dl --received 2026-11-24T10:00:00Z --brag green | jq -r .written_due)" null
expect "24 elapsed hours across the clock change" \
	"$(dl --received 2026-10-24T12:00:00Z --channel phone --brag blue | jq -r .written_due)" \
	2026-10-25T12:00:00Z
expect "Saturday 11:00 + 1 working day: Tuesday 08:00" \
	"$(dl --received 2026-11-28T11:00:00Z --brag blue | jq -r .decision_due)" \
	2026-12-01T08:00:00Z
"$MASHCTL" -c "$T/mashd.conf" deadlines --received yesterday --brag red 2> "$T/err"
expect "a bad instant is a usage error" "$?" 2
expect_match "naming the option" "$(cat "$T/err")" -- '--received'
"$MASHCTL" -c "$T/mashd.conf" deadlines --received 2026-11-28T11:00:00Z --brag purple 2> "$T/err"
expect "a bad rating is a usage error" "$?" 2

# Timer rules come from the configuration.
write_conf 'timers = { decision = "2 working days"; screening = { green = "8 hours"; }; };'
expect "timers.decision from the config" \
	"$(dl --received 2026-11-24T10:00:00Z --brag green | jq -r .decision_due)" \
	2026-11-26T10:00:00Z
expect "timers.screening.green from the config" \
	"$(dl --received 2026-11-24T10:00:00Z --brag green | jq -r .screening_due)" \
	2026-11-24T18:00:00Z
write_conf 'timers = { decision = "soon"; };'
"$MASHCTL" -c "$T/mashd.conf" deadlines --received 2026-11-24T10:00:00Z --brag red 2> "$T/err"
expect "a bad span is refused" "$?" 2
expect_match "naming the key" "$(cat "$T/err")" 'timers.decision: must be'

# The calendar.
write_conf
"$MASHCTL" -c "$T/mashd.conf" calendar --year 2027 --json > "$T/cal"
expect "2027 has the eight England and Wales bank holidays" \
	"$(jq '.holidays | length' "$T/cal")" 8
expect "with dates and titles" \
	"$(jq -r '.holidays[0] | .date + " " + .title' "$T/cal")" \
	"2027-01-01 New Year’s Day"
expect "Christmas 2027 falls on a Saturday: substitute Monday and Tuesday" \
	"$(jq -r '[.holidays[] | .date] | .[-2:] | join(" ")' "$T/cal")" \
	"2027-12-27 2027-12-28"
expect "office hours" "$(jq -r '.hours.friday + " " + .hours.saturday' "$T/cal")" \
	"08:00-16:30 closed"
write_conf 'calendar = { division = "scotland"; };'
sed -i '0,/^calendar = { holidays_file/{/^calendar = { holidays_file/d}' "$T/mashd.conf"
expect "scotland has St Andrew's Day" \
	"$("$MASHCTL" -c "$T/mashd.conf" calendar --year 2026 --json |
	   jq -r '[.holidays[].date] | index("2026-11-30") != null')" true
write_conf 'calendar = { division = "atlantis"; };'
sed -i '0,/^calendar = { holidays_file/{/^calendar = { holidays_file/d}' "$T/mashd.conf"
"$MASHCTL" -c "$T/mashd.conf" calendar 2> "$T/err"
expect "an unknown division is refused" "$?" 2
expect_match "naming it" "$(cat "$T/err")" atlantis
"$MASHCTL" calendar --year 2026 > "$T/table"
expect_match "a table for a person" "$(cat "$T/table")" 'Christmas Day'
finish
