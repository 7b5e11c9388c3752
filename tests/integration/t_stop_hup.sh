#!/bin/sh
# A SIGHUP once a stop has begun is not acted on: the configuration is
# not read again and no timer is worked out again (a reload would start
# Redis calls the stop then waits for); the log says why. The stop is
# held open by a referral waiting for a Redis that hangs (SIGSTOP).
. "$(dirname "$0")/lib.sh"
at "2026-11-28 11:00:00" # a Saturday: no digest queued at the start
start_redis
REDIS_CONF='timeout = 60;' write_conf "alerts = { timeout = 1; };"
start_mashd
expect "a referral" "$(post "$FIX/amber.json")" 201

kill -STOP "$REDIS_PID"
curl -s -o /dev/null -w '%{http_code}' --max-time 60 -X POST \
	--trace-ascii "$T/post.trace" \
	-H "Authorization: Bearer $WEB_TOKEN" -H 'Content-Type: application/json' \
	--data-binary @"$FIX/green.json" "$URL/v1/referrals" > "$T/post.code" &
post_pid=$!
# mashd holds it: curl has sent it whole and mashd has read every byte.
in_hand() {
	grep -q '^=> Send data' "$T/post.trace" 2> /dev/null &&
		[ "$(ss -tn | awk -v p=":$PORT" 'substr($4, length($4) - length(p) + 1) == p {
			n += $2 } END { print n + 0 }')" = 0 ]
}
wait_for 20 in_hand
expect "the referral is in mashd's hands" "$?" 0
from=$(log_lines)
kill -TERM "$MASHD_PID"
expect_log "the stop begins" "signal 15: stopping" "$from"
kill -HUP "$MASHD_PID"
expect_log "a SIGHUP meanwhile is not acted on" \
	"reload: not done: mashd is stopping" "$from"
expect "the configuration is not read again" \
	"$(tail -n "+$((from + 1))" "$T/mashd.log" | grep -c 'read again')" 0
kill -CONT "$REDIS_PID"
wait "$post_pid"
expect "the waiting referral is answered" "$(cat "$T/post.code")" 201
{ wait "$MASHD_PID"; } 2> /dev/null
expect "mashd exits 0 once it is answered" "$?" 0
MASHD_PID=
finish
