#!/bin/sh
# Alerts that always arrive: mail through a sendmail stand-in that records
# what it is given, webhooks to a local receiver, retries, dead letters,
# and delivery after a crash. mashd runs at chosen instants.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/hooks"
recording_sendmail
"$BUILD/webhook-recv" "$T/hook.port" "$T/hooks" "$T/hook.status" &
RECV=$!
wait_for 5 test -s "$T/hook.port"
HOOK_PORT=$(cat "$T/hook.port")
SECRET=webhook-secret-0123456789
# A port nothing listens on: a receiver that never comes back.
DEAD_PORT=$(($(cat "$T/hook.port") + 1))
write_conf "
alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\";
  retry = { first = 1; max = 2; attempts = 3; }; claim_idle = 4; timeout = 3; };
recipients = { navigators = [ \"navigators@hub.example\" ];
  supervisors = [ \"supervisors@hub.example\" ];
  first_response = [ \"first-response@hub.example\" ];
  edt = [ \"edt@hub.example\" ]; };
webhooks = (
  { name = \"sms\"; url = \"http://127.0.0.1:$HOOK_PORT/hook\"; insecure = true;
    events = [ \"red\", \"overdue\" ]; secret = \"$SECRET\"; },
  { name = \"chat\"; url = \"http://127.0.0.1:$DEAD_PORT/never\"; insecure = true;
    events = [ \"escalation\" ]; secret = \"$SECRET\"; }
);"
start_redis

# Tuesday 10:00: the hub is open.
at "2026-11-24 10:00:00"
start_mashd
expect "amber in office hours" "$(post "$FIX/amber.json")" 201
A1=$(jbody .id)
wait_for 10 "[ \$(nmails nadia.kowalczyk-brennan@nhs.example 'referral received') -ge 1 ]"
expect "the acknowledgement reaches the referrer" "$?" 0
m=$(mails nadia.kowalczyk-brennan@nhs.example 'referral received' | head -1)
expect_ack_mail "$m" "$A1"
expect "sendmail called as sendmail -t -oi" "$(cat "${m%.eml}.args")" "-t -oi"
expect "the referrer's mail goes to the referrer alone" \
	"$(grep -c '^To:.*hub.example' "$m")" 0

expect "red in office hours" "$(post "$FIX/red.json")" 201
R1=$(jbody .id)
wait_for 10 "[ \$(nmails first-response@hub.example 'new RED referral') -ge 1 ]"
expect "a Red reaches First Response" "$?" 0
m=$(mails first-response@hub.example 'new RED referral' | head -1)
expect_match "and the navigators, in the same mail" "$(grep '^To:' "$m")" navigators@hub.example
expect "not the EDT while the hub is open" "$(nmails edt@hub.example "$R1")" 0
wait_for 10 "ls '$T'/hooks/*.body"
expect "the Red goes to the sms webhook" "$?" 0
h=$(ls "$T"/hooks/*.hdr | head -1)
expect_match "with its event" "$(cat "$h")" 'X-Mash-Event: red'
sig=$(sed -n 's/^X-Mash-Signature-256: //p' "$h" | tr -d '\r')
want=sha256=$(openssl dgst -sha256 -hmac "$SECRET" -r < "${h%.hdr}.body" | cut -d' ' -f1)
expect "signed with HMAC-SHA256 of the body" "$sig" "$want"
expect "the payload names the reference" "$(jq -r .ref "${h%.hdr}.body")" "$R1"
expect_match "syslog has a line per alert with roles" "$(cat "$T/mashd.log")" \
	"alert [0-9-]+ ref=$R1 event=red brag=red to=navigators,first_response attempt=1"
stop_mashd

# The amber's decision (due Wednesday 10:00) is overdue: supervisors and
# navigators hear of it, once, across restarts.
at "2026-11-25 09:59:58"
start_mashd
wait_for 10 "[ \$(nmails supervisors@hub.example \"\\[$A1\\] decision overdue\") -ge 1 ]"
expect "overdue reaches the supervisors" "$?" 0
expect_match "with the navigators" \
	"$(grep '^To:' $(mails supervisors@hub.example "\\[$A1\\] decision overdue"))" \
	navigators@hub.example
stop_mashd
at "2026-11-25 11:00:00"
start_mashd
sleep 2
stop_mashd
expect "overdue sent once" "$(nmails supervisors@hub.example "\\[$A1\\] decision overdue")" 1

# A webhook receiver down for the first attempts gets it when it is back.
echo 503 > "$T/hook.status"
at "2026-11-25 11:00:00"
start_mashd
ctl queue > /dev/null
nbefore=$(ls "$T"/hooks/*.body 2>/dev/null | wc -l)
expect "another red" "$(post "$FIX/red.json")" 201
R3=$(jbody .id)
wait_for 10 "[ \$(grep -l 'Status-Sent: 503' '$T'/hooks/*.hdr | wc -l) -ge 1 ]"
expect "the receiver refused the first attempt" "$?" 0
rm "$T/hook.status"
wait_for 15 "ctl alerts --json | jq -e '.[] | select(.ref == \"$R3\" and .event == \"red\" and .state == \"sent\")' | grep -q sent"
expect "delivered once it came back" "$?" 0
expect_match "after more than one attempt" \
	"$(ctl alerts --json | jq -r ".[] | select(.ref == \"$R3\" and .event == \"red\") | .attempts")" \
	'^[2-9]$'
expect "the mail part was not sent twice" \
	"$(nmails first-response@hub.example "\\[$R3\\] new RED")" 1

# A receiver that never comes back: a dead letter to the supervisors,
# listed, and retried by hand.
wait_for 5 "[ -n \"\$(ctl alerts --json | jq -r '.[0].id')\" ]"
ctl decide "$R3" s47 --reason 'Strategy discussion' > /dev/null
# The red R1 escalates on Friday (3 working days): the chat hook is dead.
stop_mashd
at "2026-11-27 10:00:00"
start_mashd
wait_for 20 "ctl alerts --state dead --json | jq -r '.[].event' | grep -qx escalation"
expect "a dead letter after the last attempt" "$?" 0
dead=$(ctl alerts --state dead --json | jq -r '[.[] | select(.event == "escalation")][0].id')
expect_match "its last error is kept" \
	"$(ctl alerts --state dead --json | jq -r ".[] | select(.id == \"$dead\") | .last_error")" \
	'hook:chat'
wait_for 10 "[ \$(nmails supervisors@hub.example 'ALERT NOT DELIVERED') -ge 1 ]"
expect "the supervisors get the dead letter" "$?" 0
wait_for 10 "cat \$(mails supervisors@hub.example 'ALERT NOT DELIVERED') | grep -q 'Alert: $dead '"
expect "a dead letter names the alert" "$?" 0
expect_match "the escalation mail itself still reached the referrer" \
	"$(nmails h.okafor-lyle@police.example 'no decision after 3 working days')" '^[1-9]'
ctl alerts --state dead > "$T/table"
expect_match "alerts --state dead lists it" "$(cat "$T/table")" "$dead"
expect "retry requeues it" \
	"$(ctl alerts retry "$dead" --json | jq -r '.requeued_as | test("^[0-9]+-[0-9]+$")')" true
ctl alerts retry "$dead" 2> "$T/err"
expect "a requeued alert cannot be retried again" "$?" 1
ctl alerts --state purple 2> "$T/err"
expect "an unknown state is refused" "$?" 1
stop_mashd

# Saturday: a Red also goes to the Emergency Duty Team.
at "2026-11-28 03:00:00"
start_mashd
expect "red out of hours" "$(post "$FIX/red.json")" 201
R2=$(jbody .id)
wait_for 10 "[ \$(nmails edt@hub.example \"$R2\") -ge 1 ]"
expect "out of hours a Red reaches the EDT" "$?" 0
expect_match "and says the hub is closed" \
	"$(cat $(mails edt@hub.example "$R2" | head -1))" 'while the hub is closed'
stop_mashd

# A mashd killed with alerts pending delivers them after its restart.
touch "$T/sendmail.fail"
at "2026-11-30 10:00:00"
start_mashd
expect "green while sendmail fails" "$(post "$FIX/green.json")" 201
G1=$(jbody .id)
wait_for 10 "grep -q 'alert .* ref=$G1 event=ack.*failed' '$T/mashd.log'"
expect "the first attempt failed" "$?" 0
stop_mashd KILL
rm "$T/sendmail.fail"
start_mashd
wait_for 15 "[ \$(nmails t.adeyinka-holm@academy.example \"\\[$G1\\]\") -ge 1 ]"
expect "delivered after the restart" "$?" 0

# No child's or family's personal data in any alert.
if cat "$T"/mail/*.eml "$T"/hooks/*.body | grep -F -i -f "$FIX/NAMES" > "$T/leak"; then
	not_ok "no personal data in alerts" "$(head -3 "$T/leak")"
else
	ok "no personal data in alerts"
fi
kill "$RECV"
finish
