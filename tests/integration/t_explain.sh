#!/bin/sh
# mashctl explain: how each due time of a stored referral was reached,
# step by step, from the same walk that computed it; and deadlines
# --explain offline. mashd runs at chosen instants under libfaketime:
# Christmas 2026 (Christmas Day, the weekend, the substitute Boxing Day),
# Good Friday 2027 across the spring clock change (GMT to BST) and a
# Friday in October 2027 across the autumn one (BST to GMT).
. "$(dirname "$0")/lib.sh"
start_redis
dl() { "$MASHCTL" -c "$T/mashd.conf" deadlines "$@"; }

# Thu 24 Dec 2026 15:00 GMT, amber, by the web form.
at "2026-12-24 15:00:00"
start_mashd
expect "amber on Christmas Eve" "$(post "$FIX/amber.json")" 201
R1=$(jbody .id)
ctl explain "$R1" decision --json > "$T/x"
expect "the decision's rule" "$(jq -r '.timers[0].rule' "$T/x")" \
	"decision: 1 working day after receipt"
expect "it started at receipt" "$(jq -r '.timers[0].steps[0] | .step + " " + .why' "$T/x")" \
	"start receipt"
expect "days skipped with why, counted with hours" \
	"$(jq -r '.timers[0].steps[] | select(.step == "skip" or .step == "count") |
		.date + " " + .step + " " + (.why // .hours) + " " + (.title // "")' "$T/x")" \
	"2026-12-25 skip bank_holiday Christmas Day
2026-12-26 skip weekend 
2026-12-27 skip weekend 
2026-12-28 skip bank_holiday Boxing Day (substitute day)
2026-12-29 count 08:00-17:30 "
expect "due Tuesday 29 December 15:00" \
	"$(jq -r '.timers[0].due' "$T/x" | minute)" 2026-12-29T15:00
expect "the due time explain gives is the one show gives" \
	"$(jq -r '.timers[0].due' "$T/x")" "$(timer "$R1" decision due)"
expect "and the one stored, so they agree" "$(jq -r '.timers[0].agrees' "$T/x")" true
expect "every timer's walk agrees with its stored due time" \
	"$(ctl explain "$R1" --json | jq -c '[.timers[] | [.timer, .agrees, .due == .stored_due]]')" \
	'[["decision",true,true],["escalation",true,true],["screening",true,true],["decision_warning",true,true],["screening_escalate",true,true]]'
expect "deadlines gives the same decision due time" \
	"$(dl --received "$(jq -r .received "$T/x")" --brag amber --json | jq -r .decision_due)" \
	"$(jq -r '.timers[0].due' "$T/x")"
ctl explain "$R1" > "$T/text"
expect_match "for a person: the holiday's gov.uk title" "$(cat "$T/text")" \
	'skip +Fri 25 Dec 2026  bank holiday: Christmas Day'
expect_match "the substitute Boxing Day" "$(cat "$T/text")" \
	'Mon 28 Dec 2026  bank holiday: Boxing Day \(substitute day\)'
expect_match "the hours of the day counted" "$(cat "$T/text")" \
	'Tue 29 Dec 2026  working day 1, office hours 08:00-17:30'
expect_match "the due time in local time" "$(cat "$T/text")" \
	'due +Tue 29 Dec 2026 15:00 GMT'
expect_match "office time used for the screening" "$(cat "$T/text")" \
	'office time +Thu 24 Dec 2026 15:00 GMT to 17:30 GMT: 1[45][0-9] minutes'
expect "each read is audited" "$(events "$R1" explain | wc -l)" 3

# Mistakes: a clear error, nothing changed.
ctl explain "$R1" decisoin 2> "$T/err"
expect "an unknown timer is a usage error" "$?" 2
expect_match "with a suggestion" "$(cat "$T/err")" 'did you mean decision\?'
ctl explain "$R1" written 2> "$T/err"
expect "a timer the referral has not is refused" "$?" 1
expect_match "saying so" "$(cat "$T/err")" "has no written timer"
ctl explain MASH-2026-999999 2> "$T/err"
expect "an unknown referral is refused" "$?" 1
expect_match "naming it" "$(cat "$T/err")" 'no referral'
expect "no read audited for a mistake" "$(events "$R1" explain | wc -l)" 3

# Re-rated to Red on Tue 29 Dec: the screening starts again from then.
stop_mashd
at "2026-12-29 09:00:00"
start_mashd
ctl rate "$R1" red --reason "new information" > /dev/null
ctl explain "$R1" screening --json > "$T/x"
expect "the screening restarted at the re-rating" \
	"$(jq -r '.timers[0] | .why + " " + .rule' "$T/x")" \
	"re-rating screening: 4 hours after the re-rating (red)"
expect "its due time, 4 hours on" "$(jq -r '.timers[0].due' "$T/x" | minute)" \
	2026-12-29T13:00
expect "the one show gives" "$(jq -r '.timers[0].due' "$T/x")" \
	"$(timer "$R1" screening due)"
# Decided: the decision timer says when it stopped, still explained.
ctl decide "$R1" nfa --reason "no further action needed" > /dev/null
ctl explain "$R1" decision --json > "$T/x"
expect "a stopped timer says when" "$(jq -r '.timers[0].stopped' "$T/x")" \
	"$(timer "$R1" decision stopped)"
expect "and is still explained" "$(jq -r '.timers[0].agrees' "$T/x")" true
expect_match "for a person" "$(ctl explain "$R1" decision)" 'stopped +Tue 29 Dec 2026 09:0'
stop_mashd

# Good Friday 2027, 14:00 GMT: closed till Tuesday, the clocks go forward
# on Sunday; 1 working day after Tue 30 Mar 08:00 BST.
at "2027-03-26 14:00:00"
start_mashd
expect "amber on Good Friday" "$(post "$FIX/amber.json")" 201
R2=$(jbody .id)
ctl explain "$R2" decision --json > "$T/x"
expect "Good Friday, the weekend, Easter Monday skipped" \
	"$(jq -r '[.timers[0].steps[] | select(.step == "skip") | .title // .why] | join(", ")' "$T/x")" \
	"Good Friday, weekend, weekend, Easter Monday"
expect "the clock change crossed" \
	"$(jq -r '.timers[0].steps[] | select(.step == "clock_change") | .at + " " + .from + " " + .to' "$T/x")" \
	"2027-03-28T01:00:00Z GMT BST"
expect "the next opening, in BST" \
	"$(jq -r '.timers[0].steps[] | select(.step == "next_open") | .at' "$T/x")" \
	2027-03-30T07:00:00Z
expect "due Wed 31 Mar 08:00 BST" "$(jq -r '.timers[0].due' "$T/x")" \
	2027-03-31T07:00:00Z
expect "as show says" "$(timer "$R2" decision due)" 2027-03-31T07:00:00Z
expect "as deadlines says" \
	"$(dl --received 2027-03-26T14:00:00Z --brag amber --json | jq -r .decision_due)" \
	2027-03-31T07:00:00Z
expect_match "for a person" "$(ctl explain "$R2" decision)" \
	'clock change +Sun 28 Mar 2027 02:00 BST: GMT to BST, clocks go forward 60 minutes'
stop_mashd

# Friday 29 October 2027, 15:00 UTC (16:00 BST): the clocks go back on
# Sunday; due Monday 16:00 GMT.
at "2027-10-29 15:00:00"
start_mashd
expect "amber on an October Friday" "$(post "$FIX/amber.json")" 201
R3=$(jbody .id)
ctl explain "$R3" --json > "$T/x"
expect "the clock change crossed, back" \
	"$(jq -r '.timers[0].steps[] | select(.step == "clock_change") | .at + " " + .from + " " + .to + " " + (.shift_minutes | tostring)' "$T/x")" \
	"2027-10-31T01:00:00Z BST GMT -60"
expect "due Mon 1 Nov 16:00 GMT" "$(jq -r '.timers[0].due' "$T/x" | minute)" \
	2027-11-01T16:00
expect "as show says" "$(jq -r '.timers[0].due' "$T/x")" "$(timer "$R3" decision due)"
expect_match "for a person" "$(ctl explain "$R3" decision)" \
	'due +Mon 01 Nov 2027 16:00 GMT'

# deadlines --explain: the same steps, offline.
dl --received 2026-12-24T15:00:00Z --channel phone --brag amber --explain --json > "$T/x"
expect "offline: every timer's walk agrees with deadlines" \
	"$(jq -c '[.timers[] | .agrees] | unique' "$T/x")" '[true]'
expect "offline: the written timer, 24 hours after the call" \
	"$(jq -r '.timers[] | select(.timer == "written") | .rule + " " + .due' "$T/x")" \
	"written: 24 hours after the call 2026-12-25T15:00:00Z"
expect_match "offline, for a person" \
	"$(dl --received 2026-12-24T15:00:00Z --brag amber --explain)" \
	'Mon 28 Dec 2026  bank holiday: Boxing Day'
finish
