#!/bin/sh
# A referral whose acknowledgement comes to a call-back task alone (a
# referrer known by telephone only, no webhook that reaches referrers)
# costs ONE durable write: submit.lua records its outcome in the same call
# (the call-back task, the alert's state, its audit events, the counters),
# and no alert_result call follows. An alert syslog alone carries (a Red
# with no staff recipients) is not settled so: it is "sent" only once its
# line is written, which a reply lost after the call would skip. Users see what they saw
# when a second call recorded it: the task, the states, the history, the
# syslog lines, /metrics. A mashd killed right after the 201 leaves the
# task and the audit whole, and nothing pending to deliver again.
. "$(dirname "$0")/lib.sh"
recording_sendmail
PHONE="01632 960555"
jq --arg p "$PHONE" 'del(.referrer.email) | .referrer.phone = $p' \
	"$FIX/amber.json" > "$T/phone-only.json"
jq --arg p "$PHONE" 'del(.referrer.email) | .referrer.phone = $p' \
	"$FIX/red.json" > "$T/phone-red.json"
# Results wait a minute for their batch: a second write would not have
# happened by the checks below, nor before a kill.
write_conf "alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\";
  timeout = 3; claim_idle = 4; record_delay_ms = 60000; };"
start_redis
at "2026-11-24 10:00:00" # a Tuesday: the hub is open
start_mashd
# The day's digest, due at the opening, is queued as mashd starts: an
# entry older than the referral's, unread, and submit.lua claims none
# while one waits (the group reads oldest first). Once the deliverer has
# taken it, the outbox is the referral's alone.
wait_for 20 "grep -q 'event=digest brag= to=supervisors attempt=1' '$T/mashd.log'"
expect "the day's digest is taken first" "$?" 0

redis-cli -s "$T/redis.sock" monitor > "$T/monitor" 2> /dev/null &
MON=$!
wait_for 5 "grep -q OK '$T/monitor'"
expect "a referral from a referrer known only by telephone" \
	"$(post "$T/phone-only.json")" 201
R1=$(jbody .id)
# At the 201, with no other call: the outcome is in Redis already.
ack() { ctl alerts --json | jq -r ".[] | select(.ref == \"$1\" and .event == \"ack\") | .$2"; }
expect "its acknowledgement is a call-back at once" "$(ack "$R1" state)" callback
expect "after one attempt" "$(ack "$R1" attempts)" 1
ctl callbacks --json > "$T/cb.json"
expect "the call-back task is there at the 201" \
	"$(jq -r '.[] | [.ref, .event, .phone, .state] | join("|")' "$T/cb.json")" \
	"$R1|ack|$PHONE|open"
TASK=$(jq -r '.[0].id' "$T/cb.json")
expect "the alert names its task" "$(ack "$R1" callback)" "$TASK"
expect "due now, the hub being open" "$(jq -r '.[0].due' "$T/cb.json" | minute)" \
	2026-11-24T10:00
ACK1=$(ack "$R1" id)
expect_match "its alert is the outbox's entry" "$ACK1" '^[0-9]+-[0-9]+$'
expect "nothing of it pending in the outbox's group" \
	"$(rcli xpending '{mash}:outbox' mashd - + 100 | grep -c "^$ACK1\$")" 0
# Settled in the call, it is never read into the pending list: the group
# is moved past it, counting it read, so that neither alert_take nor the
# next submit's claim takes it (or sees an entry waiting before its own).
group() { rcli xinfo groups '{mash}:outbox' | awk -v f="$1" 'p == f { print } { p = $0 }'; }
expect "the group has delivered up to it" "$(group last-delivered-id)" "$ACK1"
expect "and counts nothing unread" "$(group lag)" 0
expect "having read every entry ever added" "$(group entries-read)" \
	"$(rcli xinfo stream '{mash}:outbox' | awk 'p == "entries-added" { print } { p = $0 }')"
expect "its making is audited" "$(events "$R1" callback | grep -c "task=$TASK ")" 1
expect "and its outcome" \
	"$(events "$R1" alert | grep -c 'event=ack state=callback attempts=1')" 1
expect "in the order a second call wrote them: submit, callback, alert" \
	"$(ctl history "$R1" --json | jq -r '[.[].action] | map(select(. == "submit" or . == "callback" or . == "alert")) | join(" ")')" \
	"submit callback alert"
curl -s "$URL/metrics" > "$T/metrics"
expect_match "/metrics counts the task" "$(cat "$T/metrics")" \
	'mashd_callbacks\{state="open"\} 1'
expect_match "and the alert's state" "$(cat "$T/metrics")" \
	'mashd_alerts\{state="callback"\} 1'
expect_match "syslog has the attempt, without the number" "$(cat "$T/mashd.log")" \
	"alert [0-9]+-[0-9]+ ref=$R1 event=ack brag=amber to=referrer attempt=1"
expect_match "and the call-back" "$(cat "$T/mashd.log")" \
	"ref=$R1 event=ack: no transport reaches the referrer; a call-back task"

# A Red's navigators' alert, with no staff recipients, is carried by
# syslog alone: delivered by alert.c, and recorded "sent" after its line.
expect "a Red from a referrer known only by telephone" \
	"$(post "$T/phone-red.json")" 201
R2=$(jbody .id)
red() { ctl alerts --json | jq -r ".[] | select(.ref == \"$R2\" and .event == \"red\") | .$1"; }
expect "its acknowledgement is a call-back at once" "$(ack "$R2" state)" callback
wait_for 10 "grep -q 'ref=$R2 event=red brag=red to=navigators,first_response attempt=1' '$T/mashd.log'"
expect "syslog carries the navigators' alert, naming its roles" "$?" 0
expect "which is not recorded in the submit call" "$(red state)" pending
RED=$(red id)
IDS=$(ctl alerts --json | jq -r ".[] | select(.ref == \"$R1\" or .ref == \"$R2\") | select(.event == \"ack\") | .id")
stop_mashd # a stop writes the results it holds
# MONITOR shows commands in the order Redis ran them: once a mark sent
# after the stop is in the file, every call before it is too (killed at
# once, the monitor lost the stop's last calls, now and then, under load).
rcli echo t_ack_settled-mark > /dev/null
wait_for 10 "grep -q t_ack_settled-mark '$T/monitor'"
kill "$MON"
expect "but by its result, once its line is written" \
	"$(rcli hget "{mash}:alert:$RED" state)" sent
# Each script call by its arguments: submit's received_iso, alert_take's
# claim_idle, alert_result's max_attempts (with the alert's id).
count() { grep -c "\"EVALSHA\" \"[0-9a-f]*\" .*$1" "$T/monitor"; }
results=0
for id in $IDS; do
	results=$((results + $(count "$id.*max_attempts")))
done
echo "# $(count '\\"received_iso\\"') submit calls; alert_result calls for their $(echo $IDS | wc -w) acknowledgements: $results"
expect "one submit call for each referral" "$(count '\\"received_iso\\"')" 2
expect "their two acknowledgements" "$(echo $IDS | wc -w)" 2
expect "and no alert_result call for them" "$results" 0
expect "one for the Red's navigators' alert" "$(count "$RED.*max_attempts")" 1

# Killed right after the 201: the task and the audit are whole, and
# nothing is left pending for another mashd to deliver again.
start_mashd
expect "another referral by telephone" "$(post "$T/phone-only.json")" 201
R3=$(jbody .id)
stop_mashd KILL
expect "its task survives the kill" \
	"$(rcli zrange '{mash}:callbacks' 0 -1 | wc -l)" 3
expect "its alert is a call-back" "$(rcli hget "{mash}:alert:$(events "$R3" alert |
	sed -n 's/.*detail alert=\([0-9-]*\) .*/\1/p')" state)" callback
expect "nothing pending after the kill" \
	"$(rcli xpending '{mash}:outbox' mashd | head -1)" 0
start_mashd
expect "listed by the next mashd" \
	"$(ctl callbacks --json | jq -r "[.[] | select(.ref == \"$R3\")] | length")" 1
ctl audit verify > "$T/out"
expect "the audit's chain holds" "$?" 0
expect "the history has the task and the outcome" \
	"$(ctl history "$R3" --json | jq -r '[.[].action] | map(select(. == "callback" or . == "alert")) | join(" ")')" \
	"callback alert"
finish
