#!/bin/sh
# Every timer's alert reaches the people SPEC section 7 names, and says
# what to do: screening (navigators; still not done 2 working hours on,
# supervisors), the decision warning
# (navigators), overdue (supervisors and navigators), the written reminder
# (the referrer and navigators), escalation (the referrer, told to ask for
# a line manager, and supervisors) and the outcome (the referrer). mashd
# runs at chosen instants.
. "$(dirname "$0")/lib.sh"
recording_sendmail
write_conf "
alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\"; };
recipients = { navigators = [ \"navigators@hub.example\" ];
  supervisors = [ \"supervisors@hub.example\" ];
  first_response = [ \"first-response@hub.example\" ];
  edt = [ \"edt@hub.example\" ]; };"
start_redis
REFERRER=gareth.mensah-pryce@nhs.example # phone.json's referrer

# to FILE: the To: header's addresses, sorted, space-separated.
to() { sed -n 's/^To: //p' "$1" | tr ',' '\n' | tr -d ' ' | sort | tr '\n' ' '; }
# one ADDRESS SUBJECT: the one mail, waited for.
one() {
	wait_for 10 "[ \$(nmails '$1' '$2') -ge 1 ]"
	mails "$1" "$2" | head -1
}

# Tuesday 24 November 10:00: an amber telephone referral.
at "2026-11-24 10:00:00"
start_mashd
R=$(ctl referral new --file "$FIX/phone.json" --json | jq -r .id)
expect "an amber telephone referral" \
	"$(ctl show "$R" --json | jq -r '[.brag, .channel] | join(" ")')" "amber phone"
stop_mashd

# 16:30: the Amber's screening target (6 working hours, 16:00) was missed.
at "2026-11-24 16:30:00"
start_mashd
m=$(one navigators@hub.example "\\[$R\\] screening target missed")
expect "screening: the navigators (the supervisors come later)" "$(to "$m")" \
	"navigators@hub.example "
expect_match "saying what to do" "$(cat "$m")" "Screen it now: mashctl show $R"
stop_mashd

# Wednesday 08:30: the decision is due at 10:00; the warning (2 working
# hours before) fired at 08:00.
at "2026-11-25 08:30:00"
start_mashd
m=$(one navigators@hub.example "\\[$R\\] decision due soon")
expect "warning: the navigators alone" "$(to "$m")" "navigators@hub.example "
expect_match "with the due time in the hub's time" "$(cat "$m")" \
	'due by Wed 25 Nov 2026 10:00'
stop_mashd

# 10:30: overdue and, 24 hours on, no written confirmation.
at "2026-11-25 10:30:00"
start_mashd
m=$(one supervisors@hub.example "\\[$R\\] decision overdue")
expect "overdue: the supervisors and the navigators" "$(to "$m")" \
	"navigators@hub.example supervisors@hub.example "
m=$(one navigators@hub.example "\\[$R\\] written confirmation overdue")
expect "written reminder: the navigators" "$(to "$m")" "navigators@hub.example "
expect_match "told how to record it" "$(cat "$m")" "mashctl confirm $R"
m=$(one "$REFERRER" "\\[$R\\] written confirmation overdue")
expect "and the referrer, alone" "$(to "$m")" "$REFERRER "
expect_match "asked to send it quoting the reference" "$(cat "$m")" \
	"quoting $R in its subject"
stop_mashd

# Friday 27 November 10:30: three working days and no decision.
at "2026-11-27 10:30:00"
start_mashd
m=$(one "$REFERRER" "\\[$R\\] no decision after 3 working days")
expect "escalation: the referrer" "$(to "$m")" "$REFERRER "
expect_match "told to ask for a line manager, quoting the reference" \
	"$(cat "$m")" "ask for a line manager, and quote the reference $R"
m=$(one supervisors@hub.example "\\[$R\\] no decision after 3 working days")
expect "and the supervisors" "$(to "$m")" "supervisors@hub.example "

# The decision: the referrer hears the outcome.
ctl decide "$R" early_help --reason 'Family agreed to Early Help' > /dev/null
m=$(one "$REFERRER" "\\[$R\\] decision recorded")
expect "outcome: the referrer alone" "$(to "$m")" "$REFERRER "
expect_match "with the outcome in words" "$(cat "$m")" \
	"A decision has been recorded on your referral $R: "
expect "the reason given stays inside the hub" \
	"$(grep -c 'Family agreed' "$m")" 0
expect "each alert once to each" \
	"$(for f in "$T"/mail/*.eml; do grep -E '^(To|Subject):' "$f" | tr '\n' ' '; echo; done | sort | uniq -d | wc -l)" 0
if cat "$T"/mail/*.eml | grep -F -i -f "$FIX/NAMES" > "$T/leak"; then
	not_ok "no personal data in any alert" "$(head -3 "$T/leak")"
else
	ok "no personal data in any alert"
fi
finish
