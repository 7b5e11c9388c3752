#!/bin/sh
# reload-scale.sh: intake while a reload (SIGHUP) works the timers of
# BENCH_RELOAD open referrals (10,000 by default) out again
# (BENCHMARKS.md). For each mashd of BENCH_MASHD (paths, alternately,
# BENCH_ROUNDS times; default the build's), a run: Redis emptied, the
# referrals written by tools/bench/timer-fill.lua with due times a month
# out (so the reload moves both timers of each), mashd started, then
# POSTs at a steady 100 a second over 4 connections for 8 seconds
# (none with BENCH_QUIET=1), mashd sent SIGHUP 1 s in. Printed a run: the
# POSTs' p50, p99 and worst (mash-load), the reload's wall time (SIGHUP
# to its summing-up line, polled every 50 ms), its calls (SLOWLOG:
# their count, the longest and their sum in Redis's own time, and by
# kind: the reads of timers.lua, the writes of reschedule.lua), the
# longest Redis call of all, mashd's and Redis's CPU time over the run,
# and the load average.
# Run from the top: MASH_BUILD=$PWD/build sh tools/bench/reload-scale.sh
. "$(dirname "$0")/../../tests/integration/lib.sh"
N=${BENCH_RELOAD:-10000}
ROUNDS=${BENCH_ROUNDS:-2}
WHICH=${BENCH_MASHD:-$MASHD}
LOAD=$BUILD/mash-load
write_conf
start_redis
rcli config set slowlog-log-slower-than 0 > /dev/null
rcli config set slowlog-max-len 1000000 > /dev/null
jq -c '.child.last_name = "Brindlecombe @SEQ@"' "$FIX/amber.json" > "$T/body.json"
SEQ=0

# cpu: Redis's CPU time so far, ms.
redis_cpu() {
	rcli info cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ { s += $2 }
		END { printf "%d\n", s * 1000 }'
}
# mashd's, ms (utime + stime, in ticks of 10 ms).
mashd_cpu() {
	awk '{ print ($14 + $15) * 10 }' "/proc/$MASHD_PID/stat"
}

run() {
	MASHD=$1
	rcli flushall > /dev/null
	at "2026-11-24 10:00:00"
	timer_fill 2026 "$N" $(($(redis_ms) + 30 * 86400000)) 1 screening decision
	start_mashd
	rcli slowlog reset > /dev/null
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	r0=$(redis_cpu)
	m0=$(mashd_cpu)
	[ -n "${BENCH_QUIET:-}" ] || "$LOAD" http -n 100000 -c 4 -r 100 -d 8 -m POST -e 201 -o "$SEQ" \
		-H "Authorization: Bearer $WEB_TOKEN" \
		-H 'Content-Type: application/json' \
		-b "$T/body.json" "$URL/v1/referrals" > "$T/posts" &
	LP=$!
	[ -z "${BENCH_QUIET:-}" ] || : > "$T/posts"
	SEQ=$((SEQ + 1000))
	sleep 1
	h0=$(date +%s%N)
	kill -HUP "$MASHD_PID"
	wait_for 60 "grep -q 'timers: recomputed' '$T/mashd.log'"
	h1=$(date +%s%N)
	[ -n "${BENCH_QUIET:-}" ] || wait "$LP"
	r1=$(redis_cpu)
	m1=$(mashd_cpu)
	rcli --json slowlog get 1000000 > "$T/slowlog"
	echo "# $(grep 'timers: recomputed' "$T/mashd.log" | sed 's/.*timers: //')"
	stop_mashd > /dev/null
	: > "$T/mashd.log"
	kinds=$(jq -r '.[] | (.[3] | map(select(type == "string")) | join(" ")) as $a |
		select($a | test("EVALSHA") and test("mashd:reload|\"page_size\"|\"limit\":1000000")) |
		(if ($a | test("mashd:reload")) then "writes" else "reads" end) + " " + (.[2] | tostring)' "$T/slowlog" |
		awk '{ n[$1]++; s[$1] += $2; if ($2 > m[$1]) m[$1] = $2 }
		END { for (k in n) printf "%s %d, mean %.2f ms, longest %.1f ms; ", k, n[k], s[k] / n[k] / 1000, m[k] / 1000 }')
	calls=$(jq -r '.[] | (.[3] | map(select(type == "string")) | join(" ")) as $a |
		select($a | test("EVALSHA") and test("mashd:reload|\"page_size\"|\"limit\":1000000")) |
		.[2]' "$T/slowlog" | awk '{ n++; s += $1; if ($1 > m) m = $1 }
		END { printf "%d calls, longest %.1f ms, sum %.0f ms", n, m / 1000, s / 1000 }')
	longest=$(jq -r 'map(select(.[3][0] != "slowlog")) | sort_by(-.[2]) | .[0] | "\(.[2] / 1000) (\(.[3][0:7] |
		map(select(type == "string")) | join(" ") | .[0:120]))"' "$T/slowlog")
	printf '%s: posts %s\n  reload %d ms: %s; %s\n  longest call of all %s ms;\n  cpu: mashd %d ms, redis %d ms; load %s\n' \
		"$(basename "$(dirname "$(dirname "$MASHD")")")" \
		"$(sed 's/secs=[^ ]* //; s/rps=[^ ]* //' "$T/posts")" \
		$(((h1 - h0) / 1000000)) "$calls" "$kinds" "$longest" \
		$((m1 - m0)) $((r1 - r0)) "$load"
}

for _ in $(seq "$ROUNDS"); do
	for m in $WHICH; do
		run "$m"
	done
done
stop_redis
