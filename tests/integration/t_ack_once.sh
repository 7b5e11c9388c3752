#!/bin/sh
# A referral costs one durable Redis write: submit.lua queues its
# acknowledgement and claims it for this mashd's consumer in the same
# call, mashd delivers it at once (no alert_take), and delivery results
# are recorded many in one alert_result call (alerts.record_delay_ms). A
# mashd killed after the 201, before its batch of results is written,
# leaves the alert pending with its consumer: another mashd takes it over
# after alerts.claim_idle and delivers it again (at least once: a mail
# handed to sendmail before the kill is sent twice), and records it.
. "$(dirname "$0")/lib.sh"
recording_sendmail
REF_MAIL=t.adeyinka-holm@academy.example

# No mail: the acknowledgement is a call-back task (no transport reaches
# the referrer), and its results wait up to 3 s to be written together.
write_conf "alerts = { sendmail = \"\"; record_delay_ms = 3000; };"
start_redis
start_mashd
rcli monitor > "$T/monitor" 2> /dev/null &
MON=$!
wait_for 5 "grep -q OK '$T/monitor'"
N=40
for i in $(seq $N); do post "$FIX/amber.json" > /dev/null; done
acked() { ctl alerts --json | jq '[.[] | select(.event == "ack" and .state != "pending")] | length'; }
wait_for 30 "[ \$(acked) -eq $N ]"
expect "every acknowledgement is recorded" "$(acked)" $N
kill "$MON"
count() { grep -c "\"EVALSHA\" \"[0-9a-f]*\" .*$1" "$T/monitor"; }
submits=$(count '\\"received_iso\\"')
takes=$(count '\\"claim_idle\\"')
results=$(count '\\"max_attempts\\"')
echo "# $N referrals: $submits submit, $takes alert_take, $results alert_result"
expect "one submit call per referral" "$submits" $N
writes=$((submits + takes + results))
expect "at most 1.5 durable writes per referral, not 3 (saw $writes for $N)" \
	"$([ "$writes" -le $((N * 3 / 2)) ] && echo yes)" yes
expect "results recorded in batches, not one call each (saw $results)" \
	"$([ "$results" -le $((N / 4)) ] && echo yes)" yes
expect "each acknowledgement attempted once" \
	"$(ctl alerts --json | jq -r '[.[] | select(.event == "ack") | .attempts] | unique | join(" ")')" 1
stop_mashd

# Mail: the acknowledgement is delivered exactly once.
rcli flushall > /dev/null
write_conf "alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\";
  timeout = 1; claim_idle = 2; record_delay_ms = 100; };"
start_mashd
expect "a referral is acknowledged" "$(post "$FIX/green.json")" 201
REF=$(jbody .id)
sent() { ctl alerts --json | jq -r ".[] | select(.ref == \"$REF\" and .event == \"ack\") | .state"; }
wait_for 20 "[ \"\$(sent)\" = sent ]"
expect "its acknowledgement is sent" "$(sent)" sent
sleep 3 # past claim_idle: a second delivery would show now
expect "and delivered once" "$(nmails "$REF_MAIL" "$REF")" 1
stop_mashd

# Killed after the 201, before the batch of results is written (it waits
# a minute): the alert is pending with the dead mashd's consumer, its
# mail handed over; a new mashd takes it over and records it.
write_conf "alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\";
  timeout = 1; claim_idle = 2; record_delay_ms = 60000; };"
start_mashd
expect "a referral is acknowledged" "$(post "$FIX/green.json")" 201
REF=$(jbody .id)
consumer=$(sed -n 's/.*delivering as consumer //p' "$T/mashd.log" | tail -1)
pending_with() { rcli xpending '{mash}:outbox' mashd - + 10 "$1" | grep -c '^[0-9]*-[0-9]*$'; }
expect "at the 201 its acknowledgement is pending with this mashd" \
	"$(pending_with "$consumer")" 1
ID=$(rcli xpending '{mash}:outbox' mashd - + 10 "$consumer" | head -1)
wait_for 10 "[ \$(nmails '$REF_MAIL' '$REF') -ge 1 ]"
expect "its mail was handed to sendmail" "$(nmails "$REF_MAIL" "$REF")" 1
stop_mashd KILL
expect "nothing recorded it" "$(rcli hget "{mash}:alert:$ID" state)" pending
write_conf "alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\";
  timeout = 1; claim_idle = 2; record_delay_ms = 10; };"
start_mashd
wait_for 20 "[ \"\$(sent)\" = sent ]"
expect "after the kill it is taken over, delivered and recorded" "$(sent)" sent
expect "sent twice: handed over before the kill, and after (at least once)" \
	"$(nmails "$REF_MAIL" "$REF")" 2
expect "nothing is left pending" "$(rcli xpending '{mash}:outbox' mashd | head -1)" 0
finish
