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
# the referrer). Its result waits (up to 3 s) for the next submit, and
# goes to Redis just before it, so one fsync covers both.
write_conf "alerts = { sendmail = \"\"; record_delay_ms = 3000; };"
start_redis
start_mashd
redis-cli -s "$T/redis.sock" monitor > "$T/monitor" 2> /dev/null &
MON=$!
wait_for 5 "grep -q OK '$T/monitor'"
# Redis's fsyncs (appendfsync always: one for each pass of its loop
# that wrote), counted where they happen.
strace -f -e trace=fdatasync,fsync -p "$REDIS_PID" -o "$T/fsyncs" 2> /dev/null &
STRACE=$!
wait_for 5 "grep -q . '$T/fsyncs'" || sleep 1
N=40
for i in $(seq $N); do post "$FIX/amber.json" > /dev/null; done
acked() { ctl alerts --json | jq '[.[] | select(.event == "ack" and .state != "pending")] | length'; }
wait_for 30 "[ \$(acked) -eq $N ]"
expect "every acknowledgement is recorded" "$(acked)" $N
kill "$MON" "$STRACE"
wait "$STRACE" 2> /dev/null
count() { grep -c "\"EVALSHA\" \"[0-9a-f]*\" .*$1" "$T/monitor"; }
submits=$(count '\\"received_iso\\"')
takes=$(count '\\"claim_idle\\"')
results=$(count '\\"max_attempts\\"')
fsyncs=$(grep -Ec 'f(data)?sync\(' "$T/fsyncs")
echo "# $N referrals: $submits submit, $takes alert_take, $results alert_result; $fsyncs fsyncs"
expect "one submit call per referral" "$submits" $N
expect "at most 1.25 durable writes (fsyncs) per referral, not 3 (saw $fsyncs for $N)" \
	"$([ "$fsyncs" -le $((N * 5 / 4)) ] && echo yes)" yes
expect "no alert_take for a new referral's alerts (saw $takes calls for $N)" \
	"$([ "$takes" -le $((N / 2)) ] && echo yes)" yes
expect "each acknowledgement attempted once" \
	"$(ctl alerts --json | jq -r '[.[] | select(.event == "ack") | .attempts] | unique | join(" ")')" 1
stop_mashd

# Mail: the acknowledgement is delivered exactly once.
rcli flushall > /dev/null
write_conf "alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\";
  timeout = 3; claim_idle = 4; record_delay_ms = 100; };"
start_mashd
expect "a referral is acknowledged" "$(post "$FIX/green.json")" 201
REF=$(jbody .id)
sent() { ctl alerts --json | jq -r ".[] | select(.ref == \"$REF\" and .event == \"ack\") | .state"; }
wait_for 20 "[ \"\$(sent)\" = sent ]"
expect "its acknowledgement is sent" "$(sent)" sent
sleep 5 # past claim_idle: a second delivery would show now
expect "and delivered once" "$(nmails "$REF_MAIL" "$REF")" 1
stop_mashd

# A stop (SIGTERM) writes the results it holds at once, whatever
# alerts.record_delay_ms: the mail handed over is recorded, never sent
# again after the restart.
write_conf "alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\";
  timeout = 3; claim_idle = 4; record_delay_ms = 60000; };"
start_mashd
expect "a referral is acknowledged" "$(post "$FIX/green.json")" 201
REF=$(jbody .id)
ID=$(rcli xpending '{mash}:outbox' mashd - + 10 | head -1)
wait_for 10 "[ \$(nmails '$REF_MAIL' '$REF') -ge 1 ]"
stop_mashd
expect "a stop records the delivery before mashd exits" \
	"$(rcli hget "{mash}:alert:$ID" state)" sent

# Killed after the 201, before the batch of results is written (it waits
# a minute): the alert is pending with the dead mashd's consumer, its
# mail handed over; a new mashd takes it over and records it.
write_conf "alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\";
  timeout = 3; claim_idle = 4; record_delay_ms = 60000; };"
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
  timeout = 3; claim_idle = 4; record_delay_ms = 10; };"
start_mashd
wait_for 30 "[ \"\$(sent)\" = sent ]"
expect "after the kill it is taken over, delivered and recorded" "$(sent)" sent
expect "sent twice: handed over before the kill, and after (at least once)" \
	"$(nmails "$REF_MAIL" "$REF")" 2
expect "nothing is left pending" "$(rcli xpending '{mash}:outbox' mashd | head -1)" 0
finish
