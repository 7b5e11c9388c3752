#!/bin/sh
# The outcome with the actions taken (issue 11, item 8; seed 001: the
# referrer is told "the outcome and actions taken"): `decide ID OUTCOME
# --reason TEXT --actions TEXT` puts the actions in the outcome alert to
# the referrer, and GET /v1/referrals/ID shows the client that submitted
# it the outcome and the actions; no other client sees them.
. "$(dirname "$0")/lib.sh"
recording_sendmail
write_conf "alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\"; };"
start_redis
start_mashd
REFERRER=nadia.kowalczyk-brennan@nhs.example # amber.json's referrer
get() { curl -s -H "Authorization: Bearer $2" "$URL/v1/referrals/$1"; }

post "$FIX/amber.json" > /dev/null; R1=$(jbody .id)
post "$FIX/amber.json" > /dev/null; R2=$(jbody .id)
expect "before a decision, no outcome" "$(get $R1 "$WEB_TOKEN" | jq -c '[.status, .outcome]')" \
	'["new",null]'

ACTIONS='Strategy discussion held; a social worker visits the family this week.'
expect "--actions too long is refused" "$(ctl decide $R1 s47 --reason 'Disclosure' \
	--actions "$(head -c 1001 /dev/zero | tr '\0' a)" > /dev/null 2>&1; echo $?)" 1
expect "rate takes no --actions" "$(ctl rate $R1 red --reason x --actions y \
	> /dev/null 2>&1; echo $?)" 2
expect "decide with actions" \
	"$(ctl decide $R1 s47 --reason 'Disclosure at school' --actions "$ACTIONS")" \
	"$R1 decided: s47"
expect "decide without" "$(ctl decide $R2 nfa --reason 'Information only' > /dev/null; echo $?)" 0

wait_for 10 "[ \$(nmails $REFERRER '\\[$R1\\] decision recorded') -ge 1 ]"
m=$(mails $REFERRER "\\[$R1\\] decision recorded" | head -1)
expect_match "the outcome mail says the outcome" "$(cat "$m")" \
	"a child protection enquiry \\(section 47\\)"
expect_match "and the actions taken" "$(cat "$m")" "Actions taken: $ACTIONS"
wait_for 10 "[ \$(nmails $REFERRER '\\[$R2\\] decision recorded') -ge 1 ]"
m=$(mails $REFERRER "\\[$R2\\] decision recorded" | head -1)
expect "none said when none were given" "$(grep -c 'Actions taken' "$m")" 0

expect "the submitting client reads outcome and actions" \
	"$(get $R1 "$WEB_TOKEN" | jq -c '[.status, .outcome, .outcome_meaning, .actions]')" \
	"[\"decided\",\"s47\",\"a child protection enquiry (section 47)\",\"$ACTIONS\"]"
expect_match "with when it was decided" "$(get $R1 "$WEB_TOKEN" | jq -r .decided)" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'
expect "no actions: empty" "$(get $R2 "$WEB_TOKEN" | jq -c '[.outcome, .actions]')" '["nfa",""]'
expect "another client sees nothing" \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $POLICE_TOKEN" \
		"$URL/v1/referrals/$R1")" 404
expect_match "the audit keeps the actions" "$(events $R1 decide)" "actions=Strategy discussion held"
expect "no actions in mashd's log" "$(grep -c 'Strategy discussion' "$T/mashd.log")" 0
finish
