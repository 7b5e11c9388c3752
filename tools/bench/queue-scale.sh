# queue-scale.sh: mash-bench's section 4, sourced by tools/mash-bench (it
# uses its start_redis, start_mashd, post, rcli, field, say and fail): the
# queue, mashd's memory and /metrics at scale (issue 13, items 3, 5, 6).
#
#   a. /metrics at SMALL open referrals, against GET /healthz (one Redis
#      PING) in the same run;
#   b. Redis's bytes per open referral: INFO memory's used_memory before
#      and after a fill of the queue from SMALL to BIG;
#   c. at BIG open: `mashctl queue` (a person's first screen: the counts
#      and the first page), against redis-cli ZRANGE of the first page;
#      `mashctl queue --all --json` (the whole queue, streamed by mashd
#      page by page), against redis-cli ZRANGE of every reference;
#      mashd's RSS after the fill, after one stream and after a second
#      (it must not grow with the referrals streamed), and the CPU time
#      one stream takes of Redis, mashd and mashctl;
#   d. /metrics at BIG, and with BENCH_SCALE=full at HUGE.
#
# Sizes: BENCH_SCALE=default: SMALL 100, BIG 10,000, no HUGE (a run of a
# minute); BENCH_SCALE=full: BIG 100,000 and HUGE 1,000,000 (many
# minutes: the fill itself writes each referral's audit event).
# BENCH_FILL_BIG, BENCH_FILL_HUGE override them.
#
# The fill: tools/bench/fill.lua, copies of one referral POSTed first,
# written as submit.lua writes a referral, 2,000 to a call. Each figure
# lands in $T/scale as "label|value|unit|reference|value" and is printed
# under the main table.
BENCH_SCALE=${BENCH_SCALE:-default}
case $BENCH_SCALE in
full) SMALL=100 BIG=${BENCH_FILL_BIG:-100000} HUGE=${BENCH_FILL_HUGE:-1000000} ;;
*) SMALL=100 BIG=${BENCH_FILL_BIG:-10000} HUGE=${BENCH_FILL_HUGE:-} ;;
esac

# srow LABEL VALUE UNIT [REF-LABEL REF-VALUE]: one figure.
srow() {
	printf '%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "${4:-}" "${5:-}" >> "$T/scale"
	say "  $1: $2 $3${4:+ (reference: $4 $5)}"
}

# fill_to N: copies of the template until N referrals are open.
fill_to() {
	_have=$(rcli zcard "${P}queue")
	while [ "$_have" -lt "$1" ]; do
		_k=$(($1 - _have))
		[ $_k -gt 2000 ] && _k=2000
		rcli evalsha "$fsha" 0 "$P" "{\"template\":\"$tpl\",\"year\":2026,\"count\":$_k}" > /dev/null ||
			fail "fill.lua failed"
		_have=$((_have + _k))
	done
	[ "$(rcli zcard "${P}queue")" = "$1" ] || fail "the queue is not $1 long"
}

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$MASHD_PID/status"; }
used_memory() { rcli info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p'; }

# metrics_at N: GET /metrics beside GET /healthz, c=1, at N open.
metrics_at() {
	o=$("$LOAD" http -n 500 -c 1 "$URL/metrics") || fail "GET /metrics failed"
	h=$("$LOAD" http -n 500 -c 1 "$URL/healthz") || fail "GET /healthz failed"
	srow "GET /metrics p50 at $1 open" "$(field p50_ms "$o")" ms \
		"GET /healthz p50" "$(field p50_ms "$h")"
}

# mtime LABEL REF-LABEL REF-LINE LINE: a wall time beside its reference.
mtime() {
	srow "$1" "$(field median_ms "$4")" ms "$2" "$(field median_ms "$3")"
}

say "4. the queue at scale (BENCH_SCALE=$BENCH_SCALE: $BIG open${HUGE:+, /metrics also at $HUGE})"
: > "$T/scale"
start_redis
start_mashd
post 1 1 > /dev/null
SEQ=$((SEQ + 1))
tpl=$(rcli zrange "${P}queue" 0 0)
curl -sf "$URL/metrics" > /dev/null || fail "GET /metrics failed"
cat "$BUILD/words.lua" "$BUILD/lib.lua" "$TOP/tools/bench/fill.lua" > "$T/fill.lua"
fsha=$(rcli -x script load < "$T/fill.lua")
fill_to "$SMALL"
metrics_at "$SMALL"
m0=$(used_memory)
t0=$(date +%s%N)
fill_to "$BIG"
fill_ms=$((($(date +%s%N) - t0) / 1000000))
m1=$(used_memory)
srow "Redis used_memory per open referral" $(((m1 - m0) / (BIG - SMALL))) bytes
srow "fill.lua, $((BIG - SMALL)) referrals" "$fill_ms" ms
rss0=$(rss_kb)
srow "mashd RSS at $BIG open" "$rss0" kB
r=$("$LOAD" time -r "$REPEAT" -- redis-cli -s "$T/redis.sock" zrange "${P}queue" 0 49) ||
	fail "redis-cli failed"
o=$("$LOAD" time -r "$REPEAT" -- "$MASHCTL" -s "$T/mashd.sock" queue) ||
	fail "mashctl queue failed"
mtime "mashctl queue (counts, first page) at $BIG" "redis-cli ZRANGE 0 49" "$r" "$o"
got=$("$MASHCTL" -s "$T/mashd.sock" queue --json | jq length)
[ "$got" = "$BIG" ] || fail "mashctl queue --json listed $got of $BIG"
rss1=$(rss_kb)
r=$("$LOAD" time -r 3 -- redis-cli -s "$T/redis.sock" zrange "${P}queue" 0 -1) ||
	fail "redis-cli failed"
o=$("$LOAD" time -r 3 -- "$MASHCTL" -s "$T/mashd.sock" queue --all --json) ||
	fail "mashctl queue --all --json failed"
mtime "mashctl queue --all --json at $BIG" "redis-cli ZRANGE 0 -1" "$r" "$o"
rss2=$(rss_kb)
# What one stream costs each process, in CPU time: on a loaded machine a
# steadier figure than the wall time, and it says what bounds it.
r0=$(cpu_ms "$REDIS_PID") d0=$(cpu_ms "$MASHD_PID")
/usr/bin/time -f '%U %S' -o "$T/ctl.time" \
	"$MASHCTL" -s "$T/mashd.sock" queue --all --json > /dev/null
srow "CPU of one stream: Redis, mashd, mashctl" \
	"$(($(cpu_ms "$REDIS_PID") - r0)) $(($(cpu_ms "$MASHD_PID") - d0)) $(awk '{ print int(($1 + $2) * 1000) }' "$T/ctl.time")" ms
srow "mashd RSS after 1 stream, after 4" "$rss1 $rss2" kB
metrics_at "$BIG"
if [ -n "$HUGE" ]; then
	fill_to "$HUGE"
	srow "Redis used_memory per open referral at $HUGE" \
		$((($(used_memory) - m0) / (HUGE - SMALL))) bytes
	metrics_at "$HUGE"
	srow "mashd RSS at $HUGE open" "$(rss_kb)" kB
fi
stop_mashd
stop_redis
