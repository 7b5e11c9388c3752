#!/bin/sh
# Slow HTTP clients cannot take the hub down: with mashd's descriptor limit
# at 1024, 1,100 connections each sending a byte a second leave a normal
# client's POST answered, the control socket answering, mashd's CPU idle
# and its log quiet; and a connection that has not sent its whole request
# within http.request_timeout is closed.
#
# SLOW_CONNS (1100) and SLOW_SECONDS (8) size the flood (fewer under
# valgrind); SLOW_HTTP_CONF replaces the keys under test (empty, to run
# this against a mashd that does not know them).
. "$(dirname "$0")/lib.sh"

conns=${SLOW_CONNS:-1100}
secs=${SLOW_SECONDS:-8}
# Under valgrind (make test's pass) a POST can take several seconds on a
# loaded machine: the flood lasts longer, so that it still runs while
# the POST is answered.
[ -z "${MASHD_WRAP:-}" ] || secs=${SLOW_SECONDS:-20}
HTTP_CONF=${SLOW_HTTP_CONF-"max_connections = 900; request_timeout = 2;"}
MASHD_PREFIX="prlimit --nofile=1024:1024"
slow() {
	python3 "$TOP/tests/tools/slowloris.py" "$@"
}
# ticks: mashd's CPU time so far (user + system), in clock ticks.
ticks() {
	awk '{ print $14 + $15 }' "/proc/$MASHD_PID/stat"
}

start_redis
write_conf
start_mashd
# valgrind keeps a few descriptors for itself.
expect_match "mashd logs the descriptor limit it was given" \
	"$(grep 'descriptor limit' "$T/mashd.log")" 'descriptor limit: 10[0-2][0-9]$'

log0=$(wc -c < "$T/mashd.log")
cpu0=$(ticks)
t0=$(date +%s%N)
slow "$PORT" "$conns" "$secs" "$T/slow.ready" > "$T/slow.out" 2>&1 &
slow_pid=$!
wait_for 20 test -s "$T/slow.ready" || not_ok "the slow client started"
sleep 1 # every slot taken, the rest queued

code=$(post "$FIX/red.json" "$WEB_TOKEN" --max-time $((secs - 3)))
expect "a normal POST is taken meanwhile" "$code" 201
expect "while the flood still runs" "$(kill -0 "$slow_pid" 2>/dev/null && echo yes)" yes
expect "mashctl status answers meanwhile" \
	"$(timeout 5 "$MASHCTL" -s "$T/mashd.sock" status --json |
		jq -r .redis)" up
pid_fds=$(ls "/proc/$MASHD_PID/fd" | wc -l)
# No assertion on it: what the flood holds, for the report.
echo "     mashd holds $pid_fds descriptors during the flood"

wait "$slow_pid"
t1=$(date +%s%N)
cpu1=$(ticks)
echo "     slow client: $(cat "$T/slow.out")"
expect_match "the slow client made its connections" "$(cat "$T/slow.out")" \
	'^connected [0-9]+ closed [0-9]+$'
hz=$(getconf CLK_TCK)
# Per cent of one CPU mashd used through the flood: a spin is near 100.
pct=$(((cpu1 - cpu0) * 100 * 1000000000 / hz / (t1 - t0)))
echo "     mashd used ${pct}% of a CPU through the flood"
if [ "$pct" -lt 50 ]; then ok "mashd does not spin"; else
	not_ok "mashd does not spin" "got: ${pct}% of a CPU"; fi
grew=$(($(wc -c < "$T/mashd.log") - log0))
echo "     mashd's log grew by $grew bytes"
if [ "$grew" -lt 1048576 ]; then ok "mashd's log grows by less than 1 MB"
else not_ok "mashd's log grows by less than 1 MB" "got: $grew bytes"; fi
if grep -q 'Too many open files' "$T/mashd.log"; then
	not_ok "accept() never ran out of descriptors" \
		"$(grep -c 'Too many open files' "$T/mashd.log") lines"
else ok "accept() never ran out of descriptors"; fi

# Once the flood is gone, one slow connection alone: closed after
# request_timeout (2 s), not kept for ever.
got=$(slow "$PORT" 1 6)
echo "     one slow connection: $got"
intime=$(echo "$got" | awk '$1 == "closed" && $2 >= 1.5 && $2 <= 3.5 {
	print "yes" }')
expect "a connection sending a byte a second is closed after 2 s" \
	"$intime" yes
expect "and mashd takes referrals after" "$(post "$FIX/amber.json")" 201
# The deadline stops once a request is whole: one Redis holds for 3 s
# (past request_timeout) is answered, not cut off.
(rcli debug sleep 3 > /dev/null) &
sleep 0.2
expect "a request held longer than request_timeout is still answered" \
	"$(post "$FIX/green.json" "$WEB_TOKEN" --max-time 10)" 201
finish
