#!/bin/sh
# A telephone referral sent over the control socket whose answer never
# comes back (mashd killed while Redis hangs): mashctl cannot know whether
# it was stored, so it says so, exits 4 and prints the idempotency key it
# sent, which is its own when the call handler gave none. Sent again with
# that key, the referral is stored once. A request that never reached
# mashd is still "cannot reach" (3). A read with no answer says it may be
# run again; a change, that whether it was done is not known.
. "$(dirname "$0")/lib.sh"
start_redis
start_mashd

kill -STOP "$REDIS_PID"
ctl referral new --file "$FIX/phone.json" > "$T/out" 2> "$T/err" &
cpid=$!
# waiting: mashctl ($cpid's child) has sent its request and waits for the
# answer, reading the control socket, and a call waits, unread, in the hung
# Redis's socket (ss: bytes queued at the server's end). Redis's socket
# alone is not enough: a call of mashd's own (the day's digest as it
# starts, a poll) may wait there first, and a mashd killed then left
# mashctl unable even to send (seen at a load of 10).
queued() {
	ss -xn | awk -v p="$T/redis.sock" '$5 == p && $3 > 0 { f = 1 }
		END { exit !f }'
}
waiting() {
	_p=$(pgrep -P "$cpid" | head -1)
	grep -Eq 'unix_stream_(read|data_wait)' "/proc/${_p:-$cpid}/wchan" \
		2> /dev/null && queued
}
wait_for 10 waiting
expect "mashctl waits for its answer, and a call in Redis's socket" "$?" 0
stop_mashd KILL
wait "$cpid"
rc=$?
kill -CONT "$REDIS_PID"
expect "no answer after sending: exit 4 (not known)" "$rc" 4
expect_match "it says the referral may or may not be stored" \
	"$(cat "$T/err")" 'may or may not be stored'
key=$(sed -n 's/.*--idempotency-key \([^ ]*\).*/\1/p' "$T/err" | head -1)
expect_match "with the key mashctl sent, its own" "$key" '^mashctl-[0-9a-f]{24}$'
expect_match "and the command that sends it again" "$(cat "$T/err")" \
	"mashctl referral new --file .*phone.json --idempotency-key $key"

start_mashd
before=$(nrefs)
expect_match "stored or not: 0 or 1 referral so far" "$before" '^[01]$'
id=$(ctl referral new --file "$FIX/phone.json" --idempotency-key "$key" \
	--json | jq -r .id)
expect_match "sent again with the key: a reference" "$id" '^MASH-'
expect "stored once" "$(nrefs)" 1
expect "again with the key: the same reference" \
	"$(ctl referral new --file "$FIX/phone.json" --idempotency-key "$key" \
		--json | jq -r .id)" "$id"
expect "still one" "$(nrefs)" 1

# Without a key, mashctl sends one of its own all the same.
ctl referral new --file "$FIX/amber.json" --json > "$T/two" 2>&1
expect "a second referral: two" "$(nrefs)" 2

# A command that only reads, and one that changes, each sent while Redis
# hangs and left with no answer by a mashd killed: both exit 4; the read
# says it may be run again, the change says to look before doing it again.
unanswered() {
	wait_for 10 "ctl status > /dev/null 2>&1" # mashd answers, Redis too
	kill -STOP "$REDIS_PID"
	ctl "$@" > /dev/null 2> "$T/err" &
	cpid=$!
	wait_for 10 waiting
	stop_mashd KILL
	wait "$cpid"
	rc=$?
	kill -CONT "$REDIS_PID"
	start_mashd
	return $rc
}
unanswered show "$id"
expect "a read with no answer: exit 4" "$?" 4
expect_match "says it only reads and may be run again" "$(cat "$T/err")" \
	'only reads: nothing was changed, and the command may be run again'
expect "and not that whether it was done is not known" \
	"$(grep -c 'not known' "$T/err")" 0
unanswered claim "${id##*-}"
expect "a change by a short reference, its look-up with no answer: exit 4" \
	"$?" 4
expect_match "says nothing was changed, as the change was not sent" \
	"$(cat "$T/err")" 'nothing was changed'
unanswered claim "$id"
expect "a change with no answer: exit 4" "$?" 4
expect_match "says whether it was done is not known, and how to look" \
	"$(cat "$T/err")" 'whether mashd did it is not known: look'

# Nothing listening: nothing sent, so "cannot reach", exit 3.
stop_mashd TERM
ctl referral new --file "$FIX/phone.json" > /dev/null 2> "$T/err3"
expect "nothing listening: exit 3" "$?" 3
expect_match "cannot reach" "$(cat "$T/err3")" 'cannot reach mashd'
MASHD_PID=
finish
