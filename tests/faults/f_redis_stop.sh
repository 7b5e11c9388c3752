#!/bin/sh
# Redis hangs (SIGSTOP) for longer than redis.timeout, under load, once
# per 10 FAULT_CYCLES (at least once). mashd must not hang with it: it
# answers every submission within redis.timeout + 1 s, /healthz says 503
# within a second, and a referral Redis stores when it wakes, after mashd
# gave up on it, is never answered "nothing was stored": its answer
# carries a key that recovers it (issue 9, defects 3 and 4).
. "$(dirname "$0")/lib.sh"
TIMEOUT=2
make_body
recording_mta
REDIS_CONF="timeout = $TIMEOUT;"
fault_conf "$ALERTS_CONF"
grep -q "timeout = $TIMEOUT;" "$T/mashd.conf" ||
	{ echo "$TEST: lib.sh's write_conf takes no REDIS_CONF"; exit 1; }
needs_key redis.timeout "issue 9, defect 3"
start_redis
fault_mashd
procs_start
load_start web "$WEB_TOKEN" 0
# A partner's system gives up after 5 s, as one may during a hang.
load_start partner "$POLICE_TOKEN" 100000000 "fk-" -t 5
stops=$(((FAULT_CYCLES + 9) / 10))
i=0
hz=0
hz_bad=
while [ $i -lt $stops ]; do
	nap 1000
	kill -STOP "$REDIS_PID"
	# Four looks at /healthz while Redis hangs, 1.5 s apart: a hang of
	# 6 s, three times redis.timeout.
	for k in 1 2 3 4; do
		nap 1500
		r=$(curl -s -o /dev/null -m 10 -w '%{http_code} %{time_total}' \
			"$URL/healthz")
		hz=$((hz + 1))
		case $r in
		"503 0."* | "503 1."*) ;;
		*) hz_bad="$hz_bad [$r s]" ;;
		esac
	done
	kill -CONT "$REDIS_PID"
	wait_for 15 curl -sf "$URL/healthz"
	expect "mashd is back on Redis after hang $((i + 1))" "$?" 0
	i=$((i + 1))
done
expect "/healthz answers 503 within 2 s while Redis hangs ($hz looks)" \
	"${hz_bad:-all did}" "all did"
nap 300
load_stop
# The issue's bound is redis.timeout + 1 s; 1 s more is left for a busy
# machine. A request that waited longer waited on the hang.
limit=$(((TIMEOUT + 2) * 1000))
slow=$(cat "$T"/load-*.log | awk -F'\t' -v l=$limit '$3 > l' | wc -l)
max=$(cat "$T"/load-*.log | awk -F'\t' '$3 > m { m = $3 } END { printf "%d", m }')
expect "every submission answered within redis.timeout + 2 s (slowest $max ms)" \
	"$slow" 0
resend web "$WEB_TOKEN"
resend partner "$POLICE_TOKEN"
wait_for 60 drained
expect "the alerts drain after the hangs" "$?" 0
procs_stop
fault_stop_mashd TERM
check -n "$(clock_now)" -p "$PROCS" -m 8 -A
echo "figures $TEST: hangs=$stops slowest_ms=$max"
finish
