#!/bin/sh
# Group commit of submissions: while a call of submit.lua is in flight,
# later submissions wait in mashd and go together in one call when it
# answers. Redis is held (CLIENT PAUSE WRITE) while the submissions come
# in, so they do wait: each is still answered as if it had been its own
# call, stored once, audited in one unbroken chain, and one whose work
# fails inside the call does not take the others with it.
. "$(dirname "$0")/lib.sh"
REDIS_CONF='timeout = 30;' # the pause must not pass for a hung Redis
start_redis
start_mashd
N=20
YEAR=$(date -u +%Y)

rcli monitor > "$T/monitor" &
MONITOR_PID=$!
wait_for 10 "[ -s '$T/monitor' ]"

# queued N: N connections to mashd, each request read by it: the first
# submission is in flight (held by the pause), the others wait in mashd.
queued() {
	[ "$(ss -Htn state established "( sport = :$PORT )" |
		awk '$1 == 0' | grep -c .)" -eq "$1" ]
}

# burst NAME N [CURL ARGS...]: N POSTs of green.json at once, Redis held
# until mashd has read them all; each answer's code and body in
# $T/NAME.<i>.code and .body.
burst() {
	bname=$1
	bn=$2
	shift 2
	rcli client pause 60000 write > /dev/null
	bi=1
	while [ $bi -le "$bn" ]; do
		curl -s -o "$T/$bname.$bi.body" -D "$T/$bname.$bi.headers" \
			-w '%{http_code}' -X POST \
			-H "Authorization: Bearer $WEB_TOKEN" \
			-H 'Content-Type: application/json' \
			--data-binary @"${BURST_FILE:-$FIX/green.json}" "$@" \
			"$URL/v1/referrals" > "$T/$bname.$bi.code" &
		bi=$((bi + 1))
	done
	wait_for 30 queued "$bn"
	expect "$bname: mashd holds all $bn requests" "$?" 0
	rcli client unpause > /dev/null
	wait_for 30 answered "$bname" "$bn"
}
# held NAME N: Redis held, N POSTs of green.json read by mashd: the
# first in flight, the others waiting in mashd; each answer's code and
# body in $T/NAME.<i>.code and .body.
held() {
	rcli client pause 60000 write > /dev/null
	hi=1
	while [ $hi -le "$2" ]; do
		curl -s -o "$T/$1.$hi.body" -w '%{http_code}' -X POST \
			-H "Authorization: Bearer $WEB_TOKEN" \
			-H 'Content-Type: application/json' \
			--data-binary @"$FIX/green.json" "$URL/v1/referrals" \
			> "$T/$1.$hi.code" &
		hi=$((hi + 1))
	done
	wait_for 30 queued "$2"
	expect "$1: mashd holds all $2 requests" "$?" 0
}
codes() {
	for f in "$T/$1".*.code; do cat "$f"; echo; done | sort | uniq -c |
		awk '{print $2 "x" $1}' | xargs
}
# answered NAME N: each of the N requests of NAME has its answer.
answered() { [ "$(grep -l '^[0-9][0-9][0-9]$' "$T/$1".*.code | grep -c .)" -eq "$2" ]; }
ids() { cat "$T/$1".*.body | jq -r '.id // empty'; }
submit_calls() { grep -c '"EVALSHA" .*"{mash}:void:' "$T/monitor"; }

# --- many at once: each answered 201, stored once, in fewer calls -----
calls0=$(submit_calls)
burst many $N
expect "every submission answered 201" "$(codes many)" "201x$N"
expect "each with its own reference" "$(ids many | sort -u | grep -c .)" $N
expect "each stored" "$(nrefs)" $N
stored=0
for id in $(ids many); do
	[ "$(rcli hget "{mash}:ref:$id" id)" = "$id" ] && stored=$((stored + 1))
done
expect "under the reference it was answered with" "$stored" $N
expect "each audited once" \
	"$(rcli xrange '{mash}:events' - + | grep -cx submit)" $N
calls=$(($(submit_calls) - calls0))
expect "in fewer calls of submit.lua than referrals (one alone, then the rest)" \
	"$([ "$calls" -lt $N ] && echo fewer || echo "$calls calls")" fewer
expect "each referrer's acknowledgement taken in the call" \
	"$(rcli xinfo groups '{mash}:outbox' | sed -n '/^lag$/{n;p}')" 0
ctl audit verify > "$T/verify"
expect "the audit chain holds" "$?" 0

# --- one fails inside the call: the others are stored all the same ----
# A referral already under the reference the next submission but one
# will be given: that one's work raises ("exists already") half-way.
seq=$(rcli get "{mash}:seq:$YEAR")
taken=$(printf 'MASH-%s-%06d' "$YEAR" $((seq + 2)))
rcli hset "{mash}:ref:$taken" id "$taken" status decided > /dev/null
before=$(nrefs)
burst broken 6
expect "the others answered 201, that one 503" "$(codes broken)" "201x5 503x1"
bad=$(grep -l 503 "$T"/broken.*.code | sed 's/code$/body/')
expect "that one: not stored, as a failed call of its own" \
	"$(jq -r .outcome "$bad")" not_stored
expect "the others stored" "$(($(nrefs) - before))" 5
expect "none of them under the reference taken" \
	"$(ids broken | grep -c "^$taken\$")" 0
expect "the five audited" \
	"$(rcli xrange '{mash}:events' - + | grep -cx submit)" $((N + 5))
ctl audit verify > "$T/verify"
expect "the audit chain still holds" "$?" 0

# --- the same key twice in one call: the second replays the first ----
before=$(nrefs)
burst same 2 -H 'Idempotency-Key: batch-same-1'
expect "both answered 201" "$(codes same)" 201x2
expect "with one reference" "$(ids same | sort -u | grep -c .)" 1
expect "the second marked replayed" \
	"$(cat "$T"/same.*.headers | grep -c 'Idempotent-Replayed: true')" 1
expect "stored once" "$(($(nrefs) - before))" 1
# The same key with another record in the same call: refused.
jq '.child.first_name = "Other"' "$FIX/green.json" > "$T/other.json"
before=$(nrefs)
rcli client pause 60000 write > /dev/null
curl -s -o "$T/k.1.body" -w '%{http_code}' -X POST \
	-H "Authorization: Bearer $WEB_TOKEN" -H 'Idempotency-Key: batch-k-2' \
	-H 'Content-Type: application/json' --data-binary @"$FIX/green.json" \
	"$URL/v1/referrals" > "$T/k.1.code" &
curl -s -o "$T/k.2.body" -w '%{http_code}' -X POST \
	-H "Authorization: Bearer $WEB_TOKEN" -H 'Idempotency-Key: batch-k-2' \
	-H 'Content-Type: application/json' --data-binary @"$T/other.json" \
	"$URL/v1/referrals" > "$T/k.2.code" &
wait_for 30 queued 2
rcli client unpause > /dev/null
wait_for 30 answered k 2
expect "the same key with another record: one 201, one 422" "$(codes k)" \
	"201x1 422x1"
expect "one stored" "$(($(nrefs) - before))" 1

# --- what waits in mashd is bounded by one call's worth --------------
# One in flight and 64 waiting (a whole call's worth): the 66th sends
# those 64 at once, with the first still in flight, and waits alone. Redis
# being held, what mashd sent waits unread in Redis's query buffer of its
# connection: the 64 records are there before any answer.
rec=$(wc -c < "$FIX/green.json")
mashd_qbuf() {
	rcli client list | grep -v 'cmd=client' |
		sed -n 's/.* qbuf=\([0-9]*\) .*/\1/p' | sort -n | tail -1
}
before=$(nrefs)
held bound 66
wait_for 10 "[ \"\$(mashd_qbuf)\" -gt $((60 * rec)) ]"
expect "bound: a whole call's worth sent with one still in flight" "$?" 0
rcli client unpause > /dev/null
wait_for 30 answered bound 66
expect "bound: every submission answered 201" "$(codes bound)" 201x66
expect "bound: each stored" "$(($(nrefs) - before))" 66

# --- kill -9 while a call of several is in flight ---------------------
before=$(nrefs)
held kill 8
rcli client unpause > /dev/null
stop_mashd KILL
wait_for 30 answered kill 8
lost=0
for id in $(cat "$T"/kill.*.body 2> /dev/null | jq -r '.id // empty' 2> /dev/null); do
	[ "$(rcli hget "{mash}:ref:$id" id)" = "$id" ] || lost=$((lost + 1))
done
expect "no referral answered 201 is lost" "$lost" 0
start_mashd
ctl audit verify > "$T/verify"
expect "after the kill the audit chain holds" "$?" 0
expect "each referral audited once" \
	"$(rcli xrange '{mash}:events' - + | grep -cx submit)" \
	"$(($(nrefs) - 1))"

outcomes() {
	cat "$T/$1".*.body | jq -r .outcome | sort | uniq -c |
		awk '{print $2 "x" $1}' | xargs
}

# --- the call in flight times out: those never sent are not stored ---
# The connection is dropped with the call (redis.timeout); the three
# waiting cannot be sent on it, and mashd knows they never left it.
stop_mashd
REDIS_CONF='timeout = 2;'
write_conf
start_mashd
before=$(nrefs)
held lost 4
wait_for 30 answered lost 4
expect "lost: each answered 503" "$(codes lost)" 503x4
expect "lost: the three never sent not stored" \
	"$(outcomes lost | grep -o 'not_storedx[0-9]*')" not_storedx3
rcli client unpause > /dev/null

# --- a stop while Redis holds the call: those never sent not stored ---
# SIGTERM: the stop's grace (10 s) passes before redis.timeout, and the
# requests still in hand are dropped unanswered (mashd(8), SIGNALS); what
# mashd logs of each: the one in flight unknown (Redis may have it), the
# three never sent not stored, and nothing sent to a store already down.
stop_mashd
REDIS_CONF='timeout = 30;'
write_conf 'alerts = { timeout = 5; };'
start_mashd
before=$(nrefs)
from=$(log_lines)
held stop 4
stop_mashd
wait_for 30 answered stop 4
rcli client unpause > /dev/null
expect "stop: the one in flight logged unknown" \
	"$(tail -n "+$((from + 1))" "$T/mashd.log" | grep -c 'outcome unknown')" 1
expect "stop: the three never sent logged not stored" \
	"$(tail -n "+$((from + 1))" "$T/mashd.log" |
		grep -c 'not stored: mashd stopped before sending it')" 3
expect "stop: Redis has at most the one in flight" \
	"$([ $(($(nrefs) - before)) -le 1 ] && echo yes)" yes
start_mashd

kill "$MONITOR_PID"
finish
