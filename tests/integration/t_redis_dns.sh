#!/bin/sh
# Redis and its sentinels named by host names: the names are looked up
# without blocking mashd's loop. mashd runs in a mount namespace whose
# /etc/resolv.conf names a DNS server of the test's that reads every
# query and answers none, and whose /etc/hosts names the test's loopback
# Redis and sentinel.
# (1) redis.host only the silent server could answer: mashd starts, and
# /healthz, mashctl status and intake answer at once, saying Redis is
# unreachable and why; a SIGTERM during a lookup stops mashd cleanly.
# (2) redis.host in /etc/hosts: mashd connects, and connects again by the
# name after Redis restarts. A name found whose address never answers:
# mashctl status says the connection waits, not the DNS.
# (3) Two sentinels, the first named by a silent name, the second by one
# in /etc/hosts: mashd finds the master through the second.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ha.sh"
. "$(dirname "$0")/lib_dns.sh"
silent_dns "127.0.0.1 localhost
127.0.0.1 redis.local.test sentinel.local.test redis.mute.test"
RPORT=$(node_port 0)
REDIS_EXTRA="--port $RPORT --bind 127.0.0.1"
start_redis

# (1) A name the DNS never answers for.
REDIS_AT="host = \"redis.stuck.test\"; port = $RPORT;"
REDIS_CONF="timeout = 3;"
write_conf
start_mashd --unready
wait_for 10 asked "redis.*stuck"
expect "redis.host is being looked up" "$?" 0
code=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 5 "$URL/healthz")
expect "/healthz answers during the lookup: 503" "$code" 503
expect "it says redis is unreachable" "$(jbody .status)" "redis unreachable"
expect "naming no host of the hub's to a client" \
	"$(grep -c 'stuck' "$T/body")" 0
expect_match "mashctl status answers during the lookup, and says why" \
	"$(timeout 5 "$MASHCTL" -s "$T/mashd.sock" status 2>&1)" \
	'redis +down: .*looking up redis\.stuck\.test'
expect "a referral during the lookup: 503" \
	"$(post "$FIX/red.json" "$WEB_TOKEN" --max-time 5)" 503
expect_match "its error says Redis is unreachable and nothing was stored" \
	"$(jbody .error)" 'unreachable.*nothing was stored'
expect "naming no host of the hub's" "$(grep -c 'stuck' "$T/body")" 0
expect "and nothing is stored" "$(rcli dbsize)" 0
# The lookup gives up at redis.timeout (3 s), not the resolver's 20 s,
# and is tried again.
wait_for 10 "grep -q 'cannot look up redis.stuck.test: no answer' '$T/mashd.log'"
expect "the lookup fails at redis.timeout, logged with the name" "$?" 0
# Until the next lookup begins, after the backoff (which grows).
wait_for 10 "timeout 5 '$MASHCTL' -s '$T/mashd.sock' status 2>&1 |
	grep -q 'redis  *down: .*cannot look up redis\.stuck\.test: no answer'"
expect "mashctl status then says the lookup failed" "$?" 0
stop_mashd TERM

# A stop while a lookup is under way (it waits up to redis.timeout, 10 s):
# the lookup cancelled, mashd ends cleanly, nothing of it left (valgrind
# and ASan count what is not freed; evdns frees a cancelled lookup only
# from the loop).
REDIS_CONF="timeout = 10;"
write_conf
: > "$T/dns.queries"
start_mashd --unready
wait_for 10 asked "redis.*stuck"
expect "a lookup is under way" "$?" 0
stop_mashd TERM
expect "no lookup had failed when it stopped" \
	"$(grep -c 'cannot look up redis.stuck.test: no answer within 10' "$T/mashd.log")" 0
REDIS_CONF="timeout = 3;"

# (2) A name in /etc/hosts.
REDIS_AT="host = \"redis.local.test\"; port = $RPORT;"
write_conf
start_mashd --unready
wait_for 10 curl -sf "$URL/healthz"
expect "redis.local.test is reached" "$?" 0
expect "a referral is stored" "$(post "$FIX/red.json")" 201
expect "mashctl status names the address reached" \
	"$(ctl status --json | jq -r .redis_master)" "127.0.0.1:$RPORT"
stop_redis TERM
wait_for 10 "! curl -sf '$URL/healthz'"
start_redis
wait_for 15 curl -sf "$URL/healthz"
expect "mashd connects again by the name after Redis restarts" "$?" 0
expect "a referral is stored again" "$(post "$FIX/amber.json")" 201
expect "both were connections by the name" \
	"$(grep -c 'redis: connected to 127.0.0.1:.*redis.local.test' "$T/mashd.log")" 2
stop_mashd TERM

# (2b) A name found at once, whose address takes the connection and never
# answers: what mashctl status says is the connection waited on, not the
# DNS.
MUTE=$(node_port 1)
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $MUTE)); s.listen(8); time.sleep(60)" &
MUTE_PID=$!
wait_for 5 "ss -tln | grep -q '127.0.0.1:$MUTE '"
REDIS_AT="host = \"redis.mute.test\"; port = $MUTE;"
REDIS_CONF="timeout = 10;"
write_conf
start_mashd --unready
wait_for 10 "timeout 5 '$MASHCTL' -s '$T/mashd.sock' status 2>&1 |
	grep -q 'connecting to 127.0.0.1:$MUTE, looked up as redis.mute.test'"
expect "mashctl status says the connection to the address found waits" "$?" 0
expect "not that the DNS has not answered" \
	"$(timeout 5 "$MASHCTL" -s "$T/mashd.sock" status 2>&1 | grep -c 'not answered')" 0
stop_mashd TERM
kill "$MUTE_PID"
REDIS_CONF="timeout = 3;"

# (3) Two sentinels: the first's name hangs, the second's is known.
start_sentinel 0
SP=$(sent_port 0)
REDIS_AT="sentinels = [ \"sentinel.stuck.test:$SP\", \"sentinel.local.test:$SP\" ]; master_name = \"mash\";"
REDIS_CONF="timeout = 3;"
write_conf
start_mashd --unready
expect_match "the control socket answers while a sentinel is looked up" \
	"$(timeout 5 "$MASHCTL" -s "$T/mashd.sock" status 2>&1)" '^mashd '
wait_for 15 curl -sf "$URL/healthz"
expect "the master is found through the second sentinel" "$?" 0
expect "a referral is stored" "$(post "$FIX/red.json")" 201
expect "the sentinel that named it" \
	"$(ctl status --json | jq -r .redis_sentinel)" "sentinel.local.test:$SP"
asked "sentinel.*stuck"
expect "the first sentinel's name was asked of the DNS" "$?" 0
finish
