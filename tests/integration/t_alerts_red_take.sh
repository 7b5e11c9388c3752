#!/bin/sh
# A new Red referral's alert that finds mashd full (every job it may hold
# is delivering, their mails hung or waiting for a process) waits in the
# outbox, and is taken before the retries of older alerts when room comes
# (alert_take.lua's order): its webhook goes out then, while the MTA
# still hangs.
. "$(dirname "$0")/lib.sh"
# The MTA fails at once while $T/fail exists, hangs while $T/hang does.
stuck_mta_conf
start_redis
start_mashd

# retrying N: N acknowledgements have failed at least twice.
retrying() { [ "$(grep -Ec 'event=ack .*attempt=3' "$T/mashd.log")" -ge "$1" ]; }
# held: the alerts mashd is delivering or recording (mashd's count of
# work in hand: no request is in flight).
held() {
	curl -s "$URL/metrics" | sed -n 's/^mashd_requests_in_flight //p'
}

# Twelve acknowledgements fail, and wait for their retries.
touch "$T/fail"
for i in $(seq 12); do post "$FIX/amber.json" > /dev/null; done
wait_for 30 retrying 12
expect "twelve acknowledgements are pending retry" "$?" 0
# The MTA now hangs: mashd holds 4 x max_parallel = 8 of them, two in
# sendmail, six waiting for a process; four stay due in the outbox.
touch "$T/hang"
rm "$T/fail"
wait_for 20 "[ \$(children) -ge 2 ] && [ \$(held) -ge 8 ]"
expect "mashd holds eight, two sendmail processes hang" "$?" 0
sleep 2
expect "and takes no more" "$(held)" 8

expect "a Red referral is stored" "$(post "$FIX/red.json")" 201
R=$(jbody .id)
sleep 2
expect "its alerts wait in the outbox: mashd is full" "$(red_hooks)" 0
# Two hung sendmail processes die: two jobs end, two waiting mails take
# their processes (and hang), and mashd has room for two alerts: the
# Red's (its acknowledgement, then its alert) before the retries.
head -2 "$T/sleepers" | xargs kill
wait_for 10 "[ \$(red_hooks) -ge 1 ]"
expect "its webhook arrives, before the retries are taken" "$?" 0
expect_log "and its syslog line" "alert [0-9-]+ ref=$R event=red "
expect_match "while the sendmail processes hang" "$(children)" '^2$'

rm "$T/hang"
kill $(cat "$T/sleepers") 2>/dev/null
finish
