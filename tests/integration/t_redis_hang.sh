#!/bin/sh
# A Redis that hangs (SIGSTOP) instead of dying: with redis.timeout = 1,
# /healthz answers 503 within about a second, a submission is answered 503
# instead of waiting as long as Redis hangs, and once Redis resumes mashd
# reconnects by itself. The curl bounds (--max-time) are the limit a hung
# request would break, not a measure of speed.
. "$(dirname "$0")/lib.sh"
start_redis
REDIS_CONF='timeout = 1;'
write_conf
start_mashd
pid=$MASHD_PID
expect "before: 201" "$(post "$FIX/red.json")" 201

kill -STOP "$REDIS_PID"
# A submission sent on the hung connection, and /healthz meanwhile.
post "$FIX/amber.json" "$WEB_TOKEN" --max-time 10 > "$T/hung.code" &
cpid=$!
expect "healthz 503 while redis hangs" "$(curl -s -o "$T/healthz" \
	--max-time 4 -w '%{http_code}' "$URL/healthz")" 503
expect_match "healthz says redis does not answer" "$(cat "$T/healthz")" \
	'"status":"redis (does not answer|unreachable)"'
wait "$cpid"
expect "a submission on the hung connection: 503, not a hang" \
	"$(cat "$T/hung.code")" 503
expect_match "the deadline was logged" "$(cat "$T/mashd.log")" \
	'redis: redis did not answer within 1 s \(redis.timeout\); dropping the connection'
expect_match "and that the submission's outcome is unknown" \
	"$(cat "$T/mashd.log")" 'outcome unknown, redis may have stored it'
expect "a submission while redis still hangs: 503" \
	"$(post "$FIX/green.json" "$WEB_TOKEN" --max-time 10)" 503
expect "status says redis is down, not a hang" \
	"$(timeout 10 "$MASHCTL" -s "$T/mashd.sock" status --json | jq -r .redis)" down
expect "healthz still 503" "$(curl -s -o /dev/null --max-time 4 \
	-w '%{http_code}' "$URL/healthz")" 503

kill -CONT "$REDIS_PID"
wait_for 20 curl -sf "$URL/healthz"
expect "healthz 200 once redis resumes" "$?" 0
expect "submission 201 once redis resumes" "$(post "$FIX/blue.json")" 201
expect "same mashd process throughout" "$MASHD_PID" "$pid"
# What was sent before the hang, Redis may run when it resumes: the
# submission answered 503 above may be stored (the outcome was unknown).
expect_match "every referral whole: 2 or 3 of them" "$(nrefs)" '^[23]$'
finish
