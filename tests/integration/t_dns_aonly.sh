#!/bin/sh
# A DNS server that answers a name's A question and never its AAAA (as
# some middleboxes do): Redis and a sentinel named by such names are
# reached within redis.timeout and a sentinel's one-second question. evdns
# asks both at once and, by default, waits 3 s for the second answer once
# the first is in: every sentinel so named went unreached, and a
# redis.timeout of 2 s never connected, each said to be "no answer from
# the DNS" when the DNS had answered.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ha.sh"
. "$(dirname "$0")/lib_dns.sh"
DNS_AONLY=1 silent_dns "127.0.0.1 localhost"
RPORT=$(node_port 0)
REDIS_EXTRA="--port $RPORT --bind 127.0.0.1"
start_redis

REDIS_AT="host = \"redis.aonly.test\"; port = $RPORT;"
REDIS_CONF="timeout = 2;"
write_conf
start_mashd --unready
wait_for 15 curl -sf "$URL/healthz"
expect "Redis named by a name with an A answer only is reached" "$?" 0
expect "a referral is stored" "$(post "$FIX/red.json")" 201
expect_match "its A was asked of the DNS" "$(cat "$T/dns.queries")" \
	'redis.aonly.test 1'
expect "no lookup failed" "$(grep -c 'cannot look up' "$T/mashd.log")" 0
stop_mashd TERM

start_sentinel 0
SP=$(sent_port 0)
REDIS_AT="sentinels = [ \"sentinel.aonly.test:$SP\" ]; master_name = \"mash\";"
REDIS_CONF="timeout = 3;"
write_conf
start_mashd --unready
wait_for 15 curl -sf "$URL/healthz"
expect "a sentinel named by such a name names the master" "$?" 0
expect "a referral is stored" "$(post "$FIX/amber.json")" 201
expect "the sentinel, by its name" \
	"$(ctl status --json | jq -r .redis_sentinel)" "sentinel.aonly.test:$SP"
finish
