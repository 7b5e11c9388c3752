#!/bin/sh
# A stream (mashctl queue --all --json) when a stop's grace ends while
# Redis hangs (SIGSTOP): the client is told that the list is cut, after
# how many referrals, and the --after to go on from, as when Redis goes;
# mashctl exits 4 (mashd stopped before Redis answered), not 1.
# redis.timeout is longer than the grace; alerts.timeout = 1 makes the
# grace its shortest, 10 s.
. "$(dirname "$0")/lib.sh"
at "2026-11-28 11:00:00" # a Saturday: no digest queued at the start
start_redis
REDIS_CONF='timeout = 60;' write_conf "alerts = { timeout = 1; };"
start_mashd
# 40,000 green referrals, in calls of 10,000 (each short of
# redis.timeout): some 12 MB of queue, more than mashd sends ahead of its
# client.
for i in 0 1 2 3; do
	queue_fill $((i * 10000 + 1)) $(((i + 1) * 10000))
done
TAIL='the list is cut after [0-9]+ referrals; go on with --after [0-9]+:MASH-[0-9-]+$'
CUT="mashd stopped before the referral store answered: $TAIL"

# write_hook [COMMAND]: $T/hook, run by ctl-stream.py after the first
# page: it waits for mashd to send ahead, runs COMMAND, stops mashd and
# waits for the end of its grace.
write_hook() {
	cat > "$T/hook" <<HOOK
sleep 2 # mashd sends what it may ahead of the client, and waits
${1:-:}
kill -TERM $MASHD_PID
n=0
until tail -n +$((from + 1)) '$T/mashd.log' | grep -q 'event="stop_grace"' ||
	[ \$n -ge 300 ]; do
	n=\$((n + 1))
	sleep 0.1
done
HOOK
}

stopped() { # what: mashd exits, bounded, and Redis resumes
	if wait_for 40 kids_gone "$MASHD_PID"; then
		ok "$1: mashd stops while Redis still hangs"
	else
		not_ok "$1: mashd stops while Redis still hangs"
		kill -KILL "$MASHD_PID"
	fi
	wait "$MASHD_PID"
	expect "$1: and exits 0" "$?" 0
	MASHD_PID=
	kill -CONT "$REDIS_PID"
}

# 1. mashctl, read on at once after its first bytes: Redis hangs and mashd
# stops meanwhile, so the stream waits for Redis when the grace ends.
from=$(log_lines)
{
	ctl queue --json 2> "$T/err"
	echo $? > "$T/rc"
} | {
	head -c 1000 > /dev/null
	kill -STOP "$REDIS_PID"
	kill -TERM "$MASHD_PID"
	cat > "$T/rest"
}
stopped "waiting for Redis"
expect "mashctl exits 4: mashd stopped before Redis answered" "$(cat "$T/rc")" 4
expect_match "it says the list is cut, and how to go on" "$(cat "$T/err")" \
	"^mashctl: $CUT"
expect "the array is not closed" "$(tail -c 1 "$T/rest")" "}"
expect_log "the grace ended with the stream in hand" 'event="stop_grace"' "$from"


# 2. A client that reads one page, then nothing until the grace is over:
# the stream waits for it to read. When it reads on, it gets the pages
# already sent, then the line that says where the list is cut; mashd asks
# the hung Redis for no page more.
start_mashd
from=$(log_lines)
write_hook "kill -STOP $REDIS_PID"
/usr/bin/python3 "$TOP/tests/tools/ctl-stream.py" read "$T/mashd.sock" 1000 \
	"sh '$T/hook'" > "$T/cut"
stopped "waiting for its client"
expect_log "the grace ended with the stream in hand" \
	'event="stop_grace".* 1 request\(s\) in flight' "$from"
# Waiting for its client, mashd had asked Redis nothing, and says only
# that it stopped; a page asked of the hung Redis just before (a slow
# start) is said as in case 1. Case 3 tells the two apart.
expect_match "the stream ends saying it is cut, and how to go on" \
	"$(tail -1 "$T/cut")" "^error: mashd stopped( before the referral store answered)?: $TAIL"
expect "the referrals sent before it: as many as it says" \
	"$(($(wc -l < "$T/cut") - 1))" \
	"$(tail -1 "$T/cut" | sed 's/.*cut after \([0-9]*\) .*/\1/')"

# 3. The same client with Redis answering throughout: every page asked
# came back, so the cut line blames no store, only the stop.
start_mashd
from=$(log_lines)
write_hook
/usr/bin/python3 "$TOP/tests/tools/ctl-stream.py" read "$T/mashd.sock" 1000 \
	"sh '$T/hook'" > "$T/cut3"
wait_for 40 kids_gone "$MASHD_PID"
wait "$MASHD_PID"
MASHD_PID=
expect_match "Redis answering: the cut line says mashd stopped, no more" \
	"$(tail -1 "$T/cut3")" "^error: mashd stopped: $TAIL"
finish
