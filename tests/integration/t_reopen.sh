#!/bin/sh
# Correcting a decision (issue 11, item 7): `mashctl reopen ID --reason
# TEXT`, for supervisors only, puts a decided referral back on the queue
# with its timers left stopped, audited as "reopen"; a new decide follows,
# and the referrer is told the decision changed, from what to what. Run
# as real users of different roles, as t_workflow is.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then
	skip "roles are tested as several users: run as root"
	finish
	exit
fi
getent group mash-test-nav > /dev/null || groupadd mash-test-nav
for u in mash-test-nav1 mash-test-sup; do
	id "$u" > /dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin "$u"
done
usermod -a -G mash-test-nav mash-test-nav1
chmod 755 "$T"
recording_sendmail
CONTROL_CONF='mode = "0666";' write_conf "
alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\"; };
roles = {
  navigators = [ \"group:mash-test-nav\" ];
  supervisors = [ \"user:mash-test-sup\" ];
};"
start_redis
start_mashd
as() { # USER MASHCTL-ARGS...
	_u=$1
	shift
	runuser -u "$_u" -- "$MASHCTL" -s "$T/mashd.sock" "$@"
}
REFERRER=nadia.kowalczyk-brennan@nhs.example # amber.json's referrer
post "$FIX/amber.json" > /dev/null; R=$(jbody .id)
post "$FIX/amber.json" > /dev/null; OPEN=$(jbody .id)

as mash-test-nav1 decide "$R" nfa --reason 'Information only' \
	--actions 'Information shared with the school.' > /dev/null
expect "decided, off the queue" "$(ctl queue --json | jq -r "map(select(.id == \"$R\")) | length")" 0

as mash-test-nav1 reopen "$R" --reason 'x' > /dev/null 2> "$T/err"
expect "a navigator may not reopen" "$?" 1
expect_match "saying who may" "$(cat "$T/err")" "permission denied: reopen needs one of the roles supervisors"
expect "reopen needs --reason" "$(as mash-test-sup reopen "$R" > /dev/null 2>&1; echo $?)" 2
expect "a blank reason is refused" \
	"$(as mash-test-sup reopen "$R" --reason '  ' > /dev/null 2>&1; echo $?)" 1
expect "an open referral cannot be reopened" \
	"$(as mash-test-sup reopen "$OPEN" --reason x 2>&1)" \
	"mashctl: referral $OPEN is not decided: there is nothing to reopen"
expect "no reopen events yet" "$(events "$R" reopen | grep -c .)" 0

expect "the supervisor reopens it" \
	"$(as mash-test-sup reopen "$R" --reason 'Police disclosed an assault since')" \
	"$R: reopened; decide it again"
expect "back on the queue, open" \
	"$(ctl queue --json | jq -r "map(select(.id == \"$R\")) | .[0].status")" new
ctl show "$R" --json > "$T/show"
expect "no outcome while reopened" "$(jq -r .outcome "$T/show")" null
expect_match "when it was reopened, in UTC ISO 8601, and what it was" \
	"$(jq -r '[.reopened, .previous_outcome] | join(" ")' "$T/show")" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z nfa$'
expect "its timers left stopped" \
	"$(jq -r '[.timers[] | select(.stopped == null)] | length' "$T/show")" 0
expect "none in the due set" "$(rcli zrange '{mash}:due' 0 -1 | grep -c "^$R:")" 0
expect_match "audited as reopen, with who, the outcome it had and why" \
	"$(events "$R" reopen)" \
	"actor uid:[0-9]+\\(mash-test-sup\\) action reopen detail was=nfa reason=Police disclosed"
expect "reopened once only" \
	"$(as mash-test-sup reopen "$R" --reason again > /dev/null 2>&1; echo $?)" 1

ACTIONS='Strategy discussion held; joint visit with the police today.'
expect "decided again" "$(as mash-test-nav1 decide "$R" s47 --reason 'New disclosure' \
	--actions "$ACTIONS" --json | jq -r .ok)" true
wait_for 10 "[ \$(nmails $REFERRER '\\[$R\\] decision changed') -ge 1 ]"
m=$(mails $REFERRER "\\[$R\\] decision changed" | head -1)
expect_match "the referrer is told it changed, from what" "$(cat "$m")" \
	"The decision on this referral has changed: it was no further action"
expect_match "to what" "$(cat "$m")" "a child protection enquiry \\(section 47\\)"
expect_match "with the new actions" "$(cat "$m")" "Actions taken: $ACTIONS"
expect "the first outcome mail said 'recorded'" \
	"$(nmails $REFERRER "\\[$R\\] decision recorded")" 1
expect "the client reads the new outcome" \
	"$(curl -s -H "Authorization: Bearer $WEB_TOKEN" "$URL/v1/referrals/$R" |
		jq -c '[.status, .outcome, .actions]')" "[\"decided\",\"s47\",\"$ACTIONS\"]"
expect "a third decide is refused" \
	"$(as mash-test-nav1 decide "$R" s17 --reason x > /dev/null 2>&1; echo $?)" 1
expect "two decide events, one reopen" \
	"$(events "$R" decide | grep -c .) $(events "$R" reopen | grep -c .)" "2 1"
finish
