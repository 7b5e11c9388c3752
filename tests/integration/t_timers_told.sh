#!/bin/sh
# A new referral's timers are told to the scheduler with the referral's
# answer (no call of Redis): the wake-up is brought forward by Redis's
# clock, as measured, never by mashd's own. A mashd two minutes slow
# fires at once a red's screening that is due by Redis's clock already;
# one two minutes fast fires nothing early. (Screening of a red is "1
# minute" here, the shortest span there is.) 2026-11-27 is a Friday.
. "$(dirname "$0")/lib.sh"
start_redis
write_conf 'timers = { screening = { red = "1 minute"; }; };'

at "2026-11-27 15:00:00"
SKEW_MS=-120000 start_mashd
wait_for 5 "ctl status --json | jq -e '.clock_skew_ms != null' > /dev/null"
expect "a slow mashd has measured its clock" "$?" 0
expect "a red from a slow mashd" "$(post "$FIX/red.json")" 201
R1=$(jbody .id)
wait_for 5 "fired $R1 screening"
expect "its screening, due by redis's clock at once, fires" "$?" 0
stop_mashd
expect "once" "$(events "$R1" fire | grep -c timer=screening)" 1

SKEW_MS=120000 start_mashd
wait_for 5 "ctl status --json | jq -e '.clock_skew_ms != null' > /dev/null"
expect "a fast mashd has measured its clock" "$?" 0
expect "a red from a fast mashd" "$(post "$FIX/red.json")" 201
R2=$(jbody .id)
sleep 1.5
expect "its screening, due in 3 minutes by redis's clock, not fired early" \
	"$(timer "$R2" screening fired)" null
stop_mashd
finish
