#!/bin/sh
# Crashes lose nothing acknowledged: kill -9 of mashd, and of Redis.
. "$(dirname "$0")/lib.sh"
start_redis
start_mashd
for f in red amber green; do
	expect "$f acknowledged" "$(post "$FIX/$f.json")" 201
done
ctl queue --json | jq -r 'map(.id) | join(" ")' > "$T/before"

stop_mashd KILL
start_mashd
expect "queue intact after kill -9 of mashd" \
	"$(ctl queue --json | jq -r 'map(.id) | join(" ")')" "$(cat "$T/before")"
expect "new referrals continue the sequence" "$(post "$FIX/blue.json")" 201
expect_match "id after restart" "$(jbody .id)" '-000004$'
ctl queue --json | jq -r 'map(.id) | join(" ")' > "$T/before"

stop_redis KILL
start_redis
wait_for 10 curl -sf "$URL/healthz"
expect "mashd reconnects after redis crashed" "$?" 0
expect "queue intact after kill -9 of redis (AOF, fsync always)" \
	"$(ctl queue --json | jq -r 'map(.id) | join(" ")')" "$(cat "$T/before")"
finish
