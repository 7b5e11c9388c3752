#!/bin/sh
# The end of a stop's grace on the control socket (Redis hung, SIGSTOP),
# for the clients that t_stop_grace does not have:
# - one that reads its answers late, Redis answering after the grace:
#   the answer mashd gave at the grace's end is written all the same, after
#   those before it, not thrown away with the connection;
# - one that left while its request waited: its answer cannot be written;
#   the stop does not wait for it, and the exit line says it was
#   unwritable, not unsent.
# redis.timeout is longer than the grace; alerts.timeout = 1 makes the
# grace its shortest, 10 s.
. "$(dirname "$0")/lib.sh"
at "2026-11-28 11:00:00" # a Saturday: no digest queued at the start
start_redis
recording_sendmail
REDIS_CONF='timeout = 60;' write_conf "alerts = { sendmail = \"$T/sendmail\"; timeout = 1; };"
start_mashd
expect "a referral to claim" "$(post "$FIX/amber.json")" 201
id=$(jbody .id)

# unread: bytes waiting at mashd's end of the control socket (ss Recv-Q).
unread() {
	ss -xn | awk -v p="$T/mashd.sock" '$5 == p { n += $3 } END { print n + 0 }'
}
# reads PID: the client PID waits in a read of its socket.
reads() {
	grep -Eq 'unix_stream_(read|data_wait)' "/proc/$1/wchan" 2> /dev/null
}
# stop: SIGTERM, and mashd's exit, bounded (a mashd that waits as long as
# Redis hangs fails, not hangs). FROM, the log's length before, is in $from.
stopped() {
	if wait_for 40 kids_gone "$MASHD_PID"; then
		ok "$1: mashd stops"
	else
		not_ok "$1: mashd stops"
		kill -KILL "$MASHD_PID"
	fi
	wait "$MASHD_PID"
	expect "$1: and exits 0" "$?" 0
	MASHD_PID=
}

# 1. A client that has not read its answers (some 800 kB of refusals, more
# than the socket holds), then a claim: it waits for Redis when the grace
# ends. Redis resumes then, and answers the claim, before the client reads.
kill -STOP "$REDIS_PID"
/usr/bin/python3 "$TOP/tests/tools/ctl-slow.py" "$T/mashd.sock" 10000 \
	"{\"v\":1,\"cmd\":\"claim\",\"id\":\"$id\"}" "$T/go" > "$T/slow" &
slow_pid=$!
wait_for 20 "[ -s '$T/slow' ] && [ \$(unread) = 0 ]"
expect "the claim is read, and waits for Redis" "$?" 0
from=$(log_lines)
kill -TERM "$MASHD_PID"
wait_for 30 log_has "$from" 'event="stop_grace"'
expect "the grace ends with the claim in hand" "$?" 0
kill -CONT "$REDIS_PID"
wait_for 10 "[ -n \"\$(rcli hget '{mash}:ref:$id' owner)\" ]"
expect "Redis has run the claim: its answer is back" "$?" 0
touch "$T/go"
stopped "a client reading late"
wait "$slow_pid"
expect "it reads every answer: 10,000 refusals and the claim's" \
	"$(sed -n 2p "$T/slow")" 10001
expect "the last, mashd's answer at the grace's end" \
	"$(sed -n 3p "$T/slow" | jq -r '.outcome + ": " + .error')" \
	"unknown: mashd stopped before the referral store answered"
# (Work of mashd's own, such as a timer's poll, may be in flight at exit.)
expect_log "mashd has stopped" 'event="stopped"' "$from"
expect "no answer left unwritten" "$(tail -n "+$((from + 1))" "$T/mashd.log" |
	grep -Ec 'stopped with .*, [1-9][0-9]* (repl|unwritable)')" 0

# 2. A mashctl that left (SIGKILL) while its claim waited for Redis.
rcli hdel "{mash}:ref:$id" owner > /dev/null
start_mashd
kill -STOP "$REDIS_PID"
"$MASHCTL" -s "$T/mashd.sock" claim "$id" > /dev/null 2>&1 &
gone_pid=$!
wait_for 20 "reads $gone_pid && [ \$(unread) = 0 ]"
expect "its claim is read, and waits for Redis" "$?" 0
kill -KILL "$gone_pid"
wait "$gone_pid" 2> /dev/null
from=$(log_lines)
kill -TERM "$MASHD_PID"
stopped "a client gone"
expect_log "the answer was unwritable, not unsent" \
	'stopped with [0-9]+ request\(s\) unanswered, 0 repl\(ies\) unsent \(not read in time\), 1 unwritable \(the client gone\)' \
	"$from"
kill -CONT "$REDIS_PID"
finish
