#!/bin/sh
# queue-stream.sh [N [STREAMS]]: `mashctl queue --all --json` at N open
# referrals (default 100,000), STREAMS times (default 3), without the rest
# of mash-bench: a private redis-server filled as queue-scale.sh fills it
# (one referral POSTed, then fill.lua's copies, 2,000 a call), mashd and
# mashctl of MASH_BUILD (default build/), and, when MASH_BUILD_B names
# another build, its mashd and mashctl in turn on the same Redis (an A/B
# under the same load). Prints, for each stream, its wall time, the CPU
# time Redis (INFO cpu), mashd (/proc/PID/stat) and mashctl (time) spent,
# the EVALSHA calls Redis ran meanwhile (about one a page of 1,000: more
# means mashd was doing something else too), mashd's RSS after it, and
# the load average before and after; with MASH_BUILD_B, whether A's
# and B's output of each round are the same bytes (cmp).
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
A=${MASH_BUILD:-$TOP/build}
B=${MASH_BUILD_B:-}
N=${1:-100000}
STREAMS=${2:-3}
T=$(mktemp -d "${TMPDIR:-/tmp}/queue-stream.XXXXXX")
RP= MP=
# Whatever fails (set -e), nothing started here is left running.
trap 'kill $MP $RP 2> /dev/null || true; wait 2> /dev/null; rm -rf "$T"' EXIT
. "$TOP/tools/bench/conf.sh" # bench_conf, WEB_TOKEN
rcli() { redis-cli -s "$T/redis.sock" "$@"; }
hz=$(getconf CLK_TCK)
cpu_ms() { awk -v hz="$hz" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"; }
rcpu_ms() {
	rcli info cpu | tr -d '\r' |
		awk -F: '/^used_cpu_(sys|user):/ { s += $2 * 1000 } END { print int(s) }'
}
evalsha() { rcli info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/p'; }
load() { cut -d' ' -f1 /proc/loadavg; }
wait_for() { # SECONDS SHELL-CODE
	_n=$(($1 * 20))
	while ! eval "$2" > /dev/null 2>&1; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || return 1
		sleep 0.05
	done
}

redis-server "$TOP/conf/redis.conf" --port 0 --unixsocket "$T/redis.sock" \
	--dir "$T" --daemonize no --logfile "$T/redis.log" --save '' \
	--auto-aof-rewrite-percentage 0 &
RP=$!
wait_for 10 "rcli ping"
bench_conf /bin/true

# start_mashd BUILD: mashd of BUILD, listening, Redis reached.
start_mashd() {
	[ -z "$MP" ] || { kill "$MP"; wait "$MP" 2> /dev/null || true; }
	: > "$T/mashd.log"
	"$1/mashd" -f -c "$T/mashd.conf" 2> "$T/mashd.log" &
	MP=$!
	wait_for 10 "grep -q 'http: listening' '$T/mashd.log'"
	PORT=$(sed -n 's/.*http: listening on .* port \([0-9]*\).*/\1/p' "$T/mashd.log")
	wait_for 10 "curl -sf http://127.0.0.1:$PORT/healthz"
	sleep 2 # its start's own calls of Redis done
}

start_mashd "$A"
jq -c 'del(.referrer.email)' "$TOP/tests/fixtures/amber.json" > "$T/phone.json"
curl -sf -o /dev/null -H "Authorization: Bearer $WEB_TOKEN" \
	-H 'Content-Type: application/json' --data-binary "@$T/phone.json" \
	"http://127.0.0.1:$PORT/v1/referrals"
tpl=$(rcli zrange '{mash}:queue' 0 0)
cat "$A/words.lua" "$A/lib.lua" "$TOP/tools/bench/fill.lua" > "$T/fill.lua"
fsha=$(rcli -x script load < "$T/fill.lua")
have=1 t0=$(date +%s)
while [ "$have" -lt "$N" ]; do
	k=$((N - have))
	[ $k -le 2000 ] || k=2000
	rcli evalsha "$fsha" 0 '{mash}:' \
		"{\"template\":\"$tpl\",\"year\":2026,\"count\":$k}" > /dev/null
	have=$((have + k))
done
echo "filled to $(rcli zcard '{mash}:queue') open in $(($(date +%s) - t0)) s"

# stream LABEL BUILD: one stream, its figures on a line.
stream() {
	l0=$(load) r0=$(rcpu_ms) e0=$(evalsha) d0=$(cpu_ms "$MP") t0=$(date +%s%N)
	/usr/bin/time -f '%U %S' -o "$T/ctl.time" \
		"$2/mashctl" -s "$T/mashd.sock" queue --all --json > "$T/out-$3.json"
	t1=$(date +%s%N)
	printf '%s: wall %d ms; CPU ms: Redis %d, mashd %d, mashctl %d; %d EVALSHA; mashd RSS %s kB; load %s to %s\n' \
		"$1" $(((t1 - t0) / 1000000)) $(($(rcpu_ms) - r0)) \
		$(($(cpu_ms "$MP") - d0)) \
		"$(awk '{ print int(($1 + $2) * 1000) }' "$T/ctl.time")" \
		$(($(evalsha) - e0)) \
		"$(awk '/^VmRSS/ { print $2 }' "/proc/$MP/status")" "$l0" "$(load)"
}

i=0
while [ $i -lt "$STREAMS" ]; do
	i=$((i + 1))
	[ -z "$B" ] || start_mashd "$A"
	stream "A $i" "$A" A
	[ -n "$B" ] || continue
	start_mashd "$B"
	stream "B $i" "$B" B
	if cmp -s "$T/out-A.json" "$T/out-B.json"; then
		echo "round $i: A and B the same bytes"
	else
		echo "round $i: A and B differ: $(cmp "$T/out-A.json" "$T/out-B.json" 2>&1)"
	fi
done
[ "$(jq length "$T/out-A.json")" = "$N" ] || {
	echo "queue-stream.sh: the last stream did not list $N" >&2
	exit 1
}
