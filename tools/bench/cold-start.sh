#!/bin/sh
# cold-start.sh: mash-bench's section 3 (the cold start of BENCH_TIMERS
# referrals' timers, 5 each) on its own, from one saved store, so that
# runs of two builds can be interleaved on the same bytes.
#
#   cold-start.sh prepare STORE       20,000 referrals (BENCH_TIMERS) posted
#                                     to mashd on Friday 2026-11-27 15:00,
#                                     Redis's files kept in STORE
#   cold-start.sh mashd STORE OUT     mashd (MASH_BUILD) started under
#                                     libfaketime on Thursday 10 December,
#                                     until nothing is due (mash-load zwait)
#   cold-start.sh ref STORE OUT       fire.lua of MASH_BUILD alone, by one
#                                     redis-cli in batches of SCHED_BATCH
#   cold-start.sh scripts OUT         Redis's time by script in OUT's
#                                     SLOWLOG: ms, calls, script
#
# Each run starts a redis-server on a fresh copy of STORE, with SLOWLOG
# keeping every command (slowlog-log-slower-than 0), and prints one line:
# wall_ms, Redis CPU, mashd CPU (ms, /proc/PID/stat), the load average.
# OUT gets the SLOWLOG, INFO commandstats and the logs. Environment:
# MASH_BUILD (default build/), MASH_SRC (its tree: default the build's
# parent), BENCH_TIMERS (default 20000), TMPDIR. For an A/B, prepare once,
# then run each build in turn on the same STORE (BENCHMARKS.md, "The cold
# start's ratio on this machine").
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${MASH_BUILD:-$TOP/build}
SRC=${MASH_SRC:-$(cd "$BUILD/.." && pwd)}
TIMERS=${BENCH_TIMERS:-20000}
P='{mash}:'
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 | head -1)
CLOCK_LIB=$BUILD/redis-clock.so
T=$(mktemp -d "${TMPDIR:-/tmp}/cold.XXXXXX")
REDIS_PID= MASHD_PID=

say() { printf '%s\n' "$*" >&2; }
fail() {
	say "cold-start: $*"
	exit 1
}
cleanup() {
	set +e
	[ -n "$MASHD_PID" ] && kill -9 "$MASHD_PID" 2>/dev/null
	[ -n "$REDIS_PID" ] && kill -9 "$REDIS_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

wait_for() {
	_n=$(($1 * 20))
	while ! eval "$2" >/dev/null 2>&1; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || return 1
		sleep 0.05
	done
}
rcli() { redis-cli -s "$T/redis.sock" "$@"; }
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' \
		"/proc/$1/stat"
}
load() { cut -d' ' -f1 /proc/loadavg; }

# start_redis INSTANT [STORE]: Redis on a copy of STORE (or empty), its
# clock at INSTANT (UTC) and running on.
start_redis() {
	rm -rf "$T/redis"
	if [ -n "${2:-}" ]; then cp -r "$2" "$T/redis"; else mkdir "$T/redis"; fi
	echo $(($(date -u -d "$1" +%s%3N) - $(date +%s%3N))) > "$T/clock"
	LD_PRELOAD=$CLOCK_LIB REDIS_CLOCK_FILE=$T/clock \
		redis-server "$TOP/conf/redis.conf" --port 0 \
		--unixsocket "$T/redis.sock" --dir "$T/redis" --daemonize no \
		--logfile "$T/redis.log" --save '' \
		--auto-aof-rewrite-percentage 0 &
	REDIS_PID=$!
	wait_for 60 "rcli ping | grep -q PONG" || fail "redis did not start"
}
stop_redis() {
	kill "$REDIS_PID"
	wait "$REDIS_PID" || true
	REDIS_PID=
}
start_mashd() { # INSTANT
	TZ=UTC FAKETIME="@$1" LD_PRELOAD=$FAKETIME_LIB \
		"$BUILD/mashd" -f -c "$T/mashd.conf" 2>> "$T/mashd.log" &
	MASHD_PID=$!
}

. "$TOP/tools/bench/conf.sh"
cc -O2 -o "$T/sendmail" "$TOP/tools/bench/sendmail-stub.c" ||
	fail "no sendmail stub"
bench_conf "$T/sendmail"

upto=$(($(date -u -d "2026-12-10 10:00:00" +%s) * 1000))
case ${1:-} in
prepare)
	[ $# = 2 ] || fail "usage: prepare STORE"
	start_redis "2026-11-27 15:00:00"
	start_mashd "2026-11-27 15:00:00"
	wait_for 10 "grep -q 'http: listening' '$T/mashd.log'" ||
		fail "mashd did not start"
	port=$(sed -n 's/.*http: listening on .* port \([0-9]*\).*/\1/p' \
		"$T/mashd.log" | tail -1)
	wait_for 10 "curl -sf http://127.0.0.1:$port/healthz"
	jq -c '.child.last_name = "Brindlecombe @SEQ@" | del(.referrer.email)' \
		"$TOP/tests/fixtures/amber.json" > "$T/phone.json"
	"$BUILD/mash-load" http -n "$TIMERS" -c 16 -m POST -e 201 -o 0 \
		-H "Authorization: Bearer $WEB_TOKEN" \
		-H 'Content-Type: application/json' \
		-b "$T/phone.json" "http://127.0.0.1:$port/v1/referrals" >&2
	sleep 5
	kill "$MASHD_PID"
	wait "$MASHD_PID" || true
	MASHD_PID=
	rcli bgrewriteaof > /dev/null
	wait_for 120 "rcli info persistence | grep -q 'aof_rewrite_in_progress:0'"
	sleep 1
	say "due: $(rcli zcard "${P}due")"
	stop_redis
	rm -rf "$2"
	cp -r "$T/redis" "$2"
	exit 0
	;;
mashd | ref) [ $# = 3 ] || fail "usage: $1 STORE OUT" ;;
scripts)
	# A script is told by its keys (the build's table): count, first two
	# (alert_take and alerts declare the same: both named).
	[ $# = 2 ] || fail "usage: scripts OUT"
	sed -n 's/^static const char lua_\([a-z_]*\)_keys\[\] = "\(.*\)";$/\1 \2/p' \
		"$BUILD/lua_scripts.h" |
		awk '{ print NF - 1, $2, ($3 == "" ? "-" : $3), $1 }' > "$T/names"
	jq -r '.[] | select(.[3][0] | ascii_upcase == "EVALSHA") |
		[.[2], .[3][2], (.[3][3] // "" | sub("^[^:]*:"; "")),
		 (if .[3][2] == "1" then "-" else
		  (.[3][4] // "" | sub("^[^:]*:"; "")) end)] | @tsv' \
		"$2/slowlog.json" | awk -F'\t' -v names="$T/names" '
	BEGIN { while ((getline l < names) > 0) {
		split(l, f, " "); sub(/\$.*/, "", f[2]); sub(/\$.*/, "", f[3])
		k = f[1] SUBSEP f[2] SUBSEP f[3]
		if (k in nm) nm[k] = nm[k] "|" f[4]
		else nm[k] = f[4] } }
	{ n = ""; k1 = $3; k2 = $4
	  for (x in nm) { split(x, f, SUBSEP)
		if (f[1] == $2 && index(k1, f[2]) == 1 && index(k2, f[3]) == 1)
			n = n == "" ? nm[x] : n "|" nm[x] }
	  if (n == "") n = $2 " " $3 " " $4
	  us[n] += $1; calls[n]++ }
	END { for (n in us) printf "%8.0f ms %6d calls  %s\n", us[n] / 1000, calls[n], n }' |
		sort -rn
	exit 0
	;;
*) fail "usage: prepare STORE | mashd STORE OUT | ref STORE OUT | scripts OUT" ;;
esac

what=$1 store=$2 out=$3
mkdir -p "$out"
start_redis "2026-12-10 10:00:00" "$store"
rcli config set slowlog-log-slower-than 0 > /dev/null
rcli config set slowlog-max-len 1000000 > /dev/null
due=$(rcli zcount "${P}due" -inf "$upto")
if [ "$what" = ref ]; then
	lib=$BUILD/lib.lua
	[ -f "$lib" ] || lib=$SRC/daemon/lua/lib.lua # before 2377244
	cat "$BUILD/words.lua" "$lib" "$SRC/daemon/lua/fire.lua" > "$T/fire.lua"
	fsha=$(rcli -x script load < "$T/fire.lua")
	batch=$(sed -n 's/^#define SCHED_BATCH \([0-9]*\).*/\1/p' \
		"$SRC/daemon/scheduler.c")
	fkeys=$(sed -n 's/^static const char lua_fire_keys\[\] = "\(.*\)";$/\1/p' \
		"$BUILD/lua_scripts.h")
	nkeys=$(echo "$fkeys" | wc -w)
	fkeys=$(for k in $fkeys; do printf '%s%s ' "$P" "$k"; done)
	i=0
	: > "$T/fire.cmds"
	while [ $i -le $((due / batch + 1)) ]; do
		echo "evalsha $fsha $nkeys $fkeys$P '{\"limit\":$batch}'" \
			>> "$T/fire.cmds"
		i=$((i + 1))
	done
fi
rcli slowlog reset > /dev/null
rcli config resetstat > /dev/null
l0=$(load)
r0=$(cpu_ms "$REDIS_PID")
t0=$(date +%s%N)
if [ "$what" = ref ]; then
	redis-cli -s "$T/redis.sock" < "$T/fire.cmds" > "$T/fire.out"
	wall=$((($(date +%s%N) - t0) / 1000000))
	m=0
	grep -q '^ERR' "$T/fire.out" && fail "fire.lua: $(grep -m1 ERR "$T/fire.out")"
else
	start_mashd "2026-12-10 10:00:00"
	o=$("$BUILD/mash-load" zwait -s "$T/redis.sock" -k "${P}due" \
		-m "$upto" -t 120) || fail "not all fired: $o"
	wall=$(printf '%s\n' "$o" | tr ' ' '\n' | sed -n 's/^all_ms=//p')
	m=$(cpu_ms "$MASHD_PID")
fi
r=$(($(cpu_ms "$REDIS_PID") - r0))
l1=$(load)
left=$(rcli zcount "${P}due" -inf "$upto")
[ "$left" = 0 ] || say "cold-start: $left left due"
rcli info commandstats | tr -d '\r' > "$out/commandstats"
rcli --json slowlog get 1000000 > "$out/slowlog.json"
if [ -n "$MASHD_PID" ]; then
	sleep 2
	rcli info commandstats | tr -d '\r' > "$out/commandstats+2s"
	kill "$MASHD_PID"
	wait "$MASHD_PID" || true
	MASHD_PID=
	cp "$T/mashd.log" "$out/"
fi
printf '%s %s due=%s wall_ms=%s redis_cpu_ms=%s mashd_cpu_ms=%s load=%s-%s\n' \
	"$(date -u +%H:%M:%S)" "$what" "$due" "$wall" "$r" "$m" "$l0" "$l1"
