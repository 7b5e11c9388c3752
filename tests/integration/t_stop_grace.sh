#!/bin/sh
# A stop (SIGTERM) whose grace runs out while Redis hangs (SIGSTOP): every
# request still waiting for Redis is answered before mashd exits, with
# what mashd knows and no more. A referral sent over HTTP gets 503, the
# outcome unknown and its idempotency key, in intake's own words; a
# telephone referral typed into mashctl the same, which mashctl prints
# with the command that sends it again, exiting 4; a read gets 503 saying
# mashd stopped. Once Redis is back, each referral is found by its key:
# sent again with it, it is stored once.
#
# redis.timeout is longer than the grace, so that the requests still wait
# when it ends; alerts.timeout = 1 makes the grace its shortest, 10 s.
. "$(dirname "$0")/lib.sh"
at "2026-11-28 11:00:00" # a Saturday: no digest queued at the start
start_redis
recording_sendmail # the first referral's acknowledgement, at once
REDIS_CONF='timeout = 60;' write_conf "alerts = { sendmail = \"$T/sendmail\"; timeout = 1; };"
start_mashd

expect "a referral to read later" "$(post "$FIX/amber.json")" 201
read_id=$(jbody .id)
n=$(nrefs)

kill -STOP "$REDIS_PID"
curl -s -o "$T/post.body" -D "$T/post.headers" -w '%{http_code}' \
	--trace-ascii "$T/post.trace" --max-time 60 -X POST \
	-H "Authorization: Bearer $WEB_TOKEN" -H 'Content-Type: application/json' \
	-H 'Idempotency-Key: grace-web-1' --data-binary @"$FIX/green.json" \
	"$URL/v1/referrals" > "$T/post.code" &
post_pid=$!
curl -s -o "$T/get.body" -w '%{http_code}' --trace-ascii "$T/get.trace" \
	--max-time 60 -H "Authorization: Bearer $WEB_TOKEN" \
	"$URL/v1/referrals/$read_id" > "$T/get.code" &
get_pid=$!
# mashctl: a telephone referral, a change and a read; NAME.rc its status.
mashctl_bg() { # NAME ARGS...
	_n=$1
	shift
	(timeout 60 "$MASHCTL" -s "$T/mashd.sock" "$@" > "$T/$_n.out" \
		2> "$T/$_n.err"; echo $? > "$T/$_n.rc") &
}
mashctl_bg ctl referral new --file "$FIX/phone.json"
ctl_pid=$!
mashctl_bg claim claim "$read_id"
claim_pid=$!
mashctl_bg show show "$read_id"
show_pid=$!

# in_hand: mashd holds every request: curl has sent each (its trace says
# so), each mashctl has sent and waits for its answer, and no byte waits
# unread at mashd's end of any connection (mashd dispatches a request as
# it reads it). Redis's socket cannot tell: mashd's own polls wait there.
unread() { # ss's Recv-Q at mashd's end, summed
	ss -xn | awk -v p="$T/mashd.sock" '$5 == p { n += $3 } END { print n + 0 }'
	ss -tn | awk -v p=":$PORT" 'substr($4, length($4) - length(p) + 1) == p {
		n += $2 } END { print n + 0 }'
}
waits() { # mashctl ARGS: the mashctl run with them reads its answer
	for _p in $(pgrep -f -- "$T/mashd.sock $1"); do
		[ "$(cat "/proc/$_p/comm" 2> /dev/null)" = mashctl ] &&
			grep -Eq 'unix_stream_(read|data_wait)' "/proc/$_p/wchan" \
				2> /dev/null && return 0
	done
	return 1
}
in_hand() {
	grep -q '^=> Send data' "$T/post.trace" 2> /dev/null &&
		grep -q '^=> Send header' "$T/get.trace" 2> /dev/null &&
		waits "referral new" && waits claim && waits show &&
		[ "$(unread | tr '\n' ' ')" = "0 0 " ]
}
wait_for 20 in_hand
expect "five requests in hand, waiting for Redis" "$?" 0

from=$(log_lines)
kill -TERM "$MASHD_PID"
# Bounded: a mashd that waits as long as Redis hangs fails, not hangs.
if wait_for 40 kids_gone "$MASHD_PID"; then
	ok "mashd stops while Redis still hangs"
else
	not_ok "mashd stops while Redis still hangs"
	kill -KILL "$MASHD_PID"
fi
wait "$MASHD_PID"
expect "and exits 0" "$?" 0
MASHD_PID=
wait "$post_pid" "$ctl_pid" "$get_pid" "$claim_pid" "$show_pid"

expect_log "the end of the grace is logged, with what was in hand" \
	'event="stop_grace".*the grace is over with [0-9]+ request\(s\) in flight' \
	"$from"

# HTTP: the referral's answer, in intake's words.
expect "the referral in flight: 503, not a closed connection" \
	"$(cat "$T/post.code")" 503
expect "outcome: unknown" "$(jq -r .outcome "$T/post.body")" unknown
expect "with its idempotency key" \
	"$(jq -r .idempotency_key "$T/post.body")" grace-web-1
expect_match "saying it may be stored, and that sending it again is safe" \
	"$(jq -r .error "$T/post.body")" \
	'may or may not be stored; sent again with its idempotency key, it is stored once'
expect "never that nothing was stored" \
	"$(jq -r .error "$T/post.body" | grep -c 'nothing was stored')" 0
expect_match "with Retry-After" "$(cat "$T/post.headers")" 'Retry-After: [0-9]+'
expect_match "and Connection: close, as mashd stops" \
	"$(cat "$T/post.headers")" 'Connection: close'

# The control socket: mashctl prints mashd's answer, not its own guess.
expect "mashctl: exit 4, the outcome is unknown" "$(cat "$T/ctl.rc")" 4
expect_match "it prints mashd's answer" "$(cat "$T/ctl.err")" \
	'the referral store did not answer in time: the referral may or may not be stored'
expect "not that the connection closed without one" \
	"$(grep -c 'without an answer\|no answer came' "$T/ctl.err")" 0
key=$(sed -n 's/.*--idempotency-key \([^ ]*\)$/\1/p' "$T/ctl.err")
expect_match "and the command that sends it again, with its key" "$key" \
	'^mashctl-[0-9a-f]{24}$'

# A read: 503, mashd stopped.
expect "the read in flight: 503" "$(cat "$T/get.code")" 503
expect_match "saying mashd stopped" "$(jq -r .error "$T/get.body")" \
	'^mashd stopped before the referral store answered'

# mashctl's other commands: mashd stopped; whether a change was made is
# not known (exit 4, look before doing it again); a read may be run again.
expect "a change in flight: exit 4" "$(cat "$T/claim.rc")" 4
expect_match "mashd says it stopped before Redis answered" \
	"$(cat "$T/claim.err")" 'mashctl: mashd stopped before the referral store answered'
expect_match "mashctl: whether it was done is not known, look first" \
	"$(cat "$T/claim.err")" 'whether mashd did it is not known: look'
expect "a read in flight: exit 4" "$(cat "$T/show.rc")" 4
expect_match "mashctl: it only reads, run it again" "$(cat "$T/show.err")" \
	'only reads: nothing was changed, and the command may be run again'

expect_match "intake logged both outcomes unknown, with their keys" \
	"$(grep 'outcome unknown' "$T/mashd.log" | tr '\n' '|')" \
	"referral by (web|phone) from .*idempotency key (grace-web-1|$key).*\|.*referral by (web|phone) from .*idempotency key (grace-web-1|$key)"

# Redis resumes: what it had read, it runs. Each referral is found by the
# key its answer gave, and stored once.
kill -CONT "$REDIS_PID"
start_mashd
expect "the web referral sent again with its key: 201" \
	"$(post "$FIX/green.json" "$WEB_TOKEN" -H 'Idempotency-Key: grace-web-1')" 201
web_id=$(jbody .id)
expect_match "a reference" "$web_id" '^MASH-'
expect "sent again: the same one" \
	"$(post "$FIX/green.json" "$WEB_TOKEN" -H 'Idempotency-Key: grace-web-1'; jbody .id)" \
	"201$web_id"
ctl referral new --file "$FIX/phone.json" --idempotency-key "$key" --json \
	> "$T/again.out"
expect "the telephone referral sent again with its key" "$?" 0
phone_id=$(jq -r .id "$T/again.out")
expect_match "a reference" "$phone_id" '^MASH-'
expect "sent again: the same one" \
	"$(ctl referral new --file "$FIX/phone.json" --idempotency-key "$key" \
		--json | jq -r .id)" "$phone_id"
expect "two referrals more, none twice" "$(nrefs)" $((n + 2))
finish
