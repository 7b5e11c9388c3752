#!/bin/sh
# A resolv.conf that names no server (a container's, or one being
# rewritten): mashd starts all the same, says names are looked up in
# /etc/hosts only, and finds Redis by a name there. evdns refuses such a
# file: mashd refused to start, saying it was out of memory.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ha.sh"
. "$(dirname "$0")/lib_dns.sh"
DNS_NONE=1 silent_dns "127.0.0.1 localhost
127.0.0.1 redis.local.test"
RPORT=$(node_port 0)
REDIS_EXTRA="--port $RPORT --bind 127.0.0.1"
start_redis
REDIS_AT="host = \"redis.local.test\"; port = $RPORT;"
REDIS_CONF="timeout = 3;"
write_conf
start_mashd --unready
wait_for 15 curl -sf "$URL/healthz"
expect "Redis named in /etc/hosts is reached" "$?" 0
expect_match "mashd says names are looked up in /etc/hosts only" \
	"$(cat "$T/mashd.log")" 'names no server mashd can use: host names are looked up in /etc/hosts only'
expect "a referral is stored" "$(post "$FIX/amber.json")" 201
kill -HUP "$MASHD_PID"
wait_for 10 "grep -q 'reload: .* read again' '$T/mashd.log'"
expect "a reload reads them again, and goes on" "$?" 0
expect "no false 'out of memory'" "$(grep -c 'out of memory' "$T/mashd.log")" 0
expect "a referral is stored after it" "$(post "$FIX/red.json")" 201
finish
