#!/bin/sh
# Redis goes away and comes back: mashd answers 503 meanwhile, stores
# nothing, and takes referrals again without a restart.
. "$(dirname "$0")/lib.sh"
start_redis
start_mashd
pid=$MASHD_PID
expect "before: 201" "$(post "$FIX/red.json")" 201

stop_redis TERM
wait_for 5 "! curl -sf '$URL/healthz'"
expect "healthz 503 with redis down" "$(curl -s -o /dev/null -w '%{http_code}' \
	"$URL/healthz")" 503
expect "submission 503 with redis down" "$(post "$FIX/amber.json")" 503
expect_match "503 carries Retry-After" "$(cat "$T/headers")" 'Retry-After: [0-9]+'
expect_match "503 says nothing was stored" "$(jbody .error)" 'nothing was stored'
# A read stores nothing, so its 503 says nothing of storing.
_get=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $WEB_TOKEN" \
	"$URL/v1/referrals/MASH-2026-000001")
expect "a read with redis down: 503" "$_get" 503
expect_match "the read's 503 says why" "$(jbody .error)" '^the referral store is unreachable; try again$'
expect "status shows redis down" "$(ctl status --json | jq -r .redis)" down
ctl queue > /dev/null 2> "$T/err"
expect "queue with redis down fails" "$?" 1
expect_match "and says why" "$(cat "$T/err")" unreachable

start_redis
wait_for 15 curl -sf "$URL/healthz"
expect "healthz 200 once redis is back" "$?" 0
expect "submission 201 once redis is back" "$(post "$FIX/amber.json")" 201
expect_match "the 503 stored nothing: next id is 2" "$(jbody .id)" '-000002$'
expect "same mashd process throughout" "$MASHD_PID" "$pid"
expect_match "the loss was logged" "$(cat "$T/mashd.log")" 'redis: connection lost'
finish
