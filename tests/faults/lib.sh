# tests/faults/lib.sh: the fault harness (`make faults`, FAULTS.md). Each
# scenario, tests/faults/f_*.sh, sources this file. It sources the
# integration harness (tests/integration/lib.sh: start_redis, start_mashd,
# write_conf, ctl, rcli, expect, wait_for, finish...) and adds what faults
# need: a load that runs on through them (build/mash-load), a fixed
# loopback port so that clients find a restarted mashd again, one clock
# shared by every process started under it, the count of delivery
# processes, and the checker (build/fault-check) that asserts issue 9's
# invariants after each scenario.
#
# FAULT_CYCLES (default 5) sets how many faults a scenario deals out;
# `make faults` runs 50. Every wait here is bounded in count and time.
. "$(dirname "$0")/../integration/lib.sh"

LOAD=$BUILD/mash-load
CHECK=$BUILD/fault-check
FAULT_CYCLES=${FAULT_CYCLES:-5}
# How long a load may run at most, whatever happens.
LOAD_SECS=$((FAULT_CYCLES * 4 + 60))
for _b in "$LOAD" "$CHECK"; do
	[ -x "$_b" ] || { echo "$TEST: no $_b: run make faults"; exit 1; }
done

# Everything started here besides Redis and the first mashd is killed on
# exit, by the pid it was started with: the loads and the sampler (their
# pid files go once they are waited for), the second mashd, and what a
# sendmail stand-in left behind (only while its environment says it is
# this test's).
faults_cleanup() {
	for _f in "$T"/load-*.pid "$T"/procs.pid; do
		[ -f "$_f" ] && kill -9 "$(cat "$_f")" 2>/dev/null
	done
	[ -n "$MASHD2_PID" ] && kill -9 "$MASHD2_PID" 2>/dev/null
	for _p in $(mta_alive); do
		kill -9 "$_p" 2>/dev/null
	done
}

# mta_alive: the processes a sendmail stand-in of this test started (its
# lines "sendmail PID" and "helper PID" in $T/mta.pids) that are still
# there (their environment says they are this test's), one pid a line.
mta_alive() {
	[ -s "$T/mta.pids" ] || return 0
	awk '{ print "/proc/" $2 "/environ" }' "$T/mta.pids" |
		xargs grep -lzx "MASH_FAULT_T=$T" 2>/dev/null |
		sed 's|^/proc/\([0-9]*\)/environ$|\1|'
}
MASHD2_PID=
trap 'faults_cleanup; cleanup' EXIT

# rand LO HI: a whole number from LO to HI.
rand() {
	_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $(($1 + _r % ($2 - $1 + 1)))
}

# nap MS: sleep MS milliseconds.
nap() {
	sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"
}

# pick_port: a free loopback port below the kernel's ephemeral range, so
# no outgoing connection takes it while mashd restarts.
pick_port() {
	_i=0
	while [ $_i -lt 50 ]; do
		_p=$(rand 20000 32000)
		if [ -z "$(ss -Htan "sport = :$_p" 2>/dev/null)" ]; then
			echo "$_p"
			return 0
		fi
		_i=$((_i + 1))
	done
	echo "$TEST: no free port" >&2
	exit 1
}

# fault_conf EXTRA: the integration configuration on the fixed port
# $FPORT, plus EXTRA (libconfig text).
FPORT=$(pick_port)
[ -n "$FPORT" ] || exit 1
fault_conf() {
	write_conf "$1"
	sed -i "s/port = 0;/port = $FPORT;/" "$T/mashd.conf"
}

# needs_key KEY WHY: a scenario that needs configuration KEY (written by
# now) tells a mashd that does not know it yet from a bad configuration:
# it is skipped, saying why, never passed.
needs_key() {
	if ! "$MASHD" -n -c "$T/mashd.conf" > "$T/conf-check" 2>&1; then
		if grep -q "$1: unknown key" "$T/conf-check"; then
			skip "this mashd has no $1 yet ($2)"
			finish
			exit
		fi
		not_ok "the configuration with $1 is valid" \
			"$(cat "$T/conf-check")"
		finish
		exit
	fi
}

# The body of every request: amber.json about a child of its own, with
# the request's marker in the concern's summary (fault-check finds the
# referral by it; nothing prints it). The referrer has an email, so with
# alerts.sendmail set her acknowledgement goes by mail.
make_body() {
	jq -c '.child.last_name = "Brindlecombe @SEQ@" |
		.concern.summary = "Missed health appointments; no food in the house. [fault-marker-@NUM@]"' \
		"$FIX/amber.json" > "$T/body.json"
}

# recording_mta: $T/sendmail, a sendmail(8) stand-in that reads the whole
# message and records its Message-ID (alert id, part and reference, no
# personal data) as one line of $T/mails.log.
recording_mta() {
	cat > "$T/sendmail" <<EOS
#!/bin/sh
exec awk 'tolower(\$0) ~ /^message-id:/ && !n { sub(/^[^:]*: */, ""); print; n = 1 }' >> "$T/mails.log"
EOS
	chmod +x "$T/sendmail"
}

# The alerts of a fault scenario: by mail through $T/sendmail, quick to
# time out, retry and take over, so that a scenario drains in seconds.
ALERTS_CONF="alerts = { sendmail = \"$T/sendmail\"; timeout = 2; claim_idle = 5;
  retry = { first = 1; max = 2; attempts = 100; }; };"

# clock_at "YYYY-MM-DD HH:MM:SS" (UTC): the scenario's clock is that
# instant now and runs on; every mashd started after runs on it, to the
# millisecond, restarts and a second daemon alike (libfaketime with one
# offset from the real clock: lib.sh's `at` of old started each process
# at the instant anew). clock_at "" returns to the real clock. Where
# lib.sh's `at` keeps such an offset itself (it has fake_clock), it moves
# Redis's clock too, and clock_at is that `at`. Otherwise Redis keeps the
# real clock: libfaketime cannot run Debian's redis-server (its jemalloc
# reads the clock while libfaketime starts).
FAULT_WRAP=$MASHD_WRAP
CLOCK_OFFSET_MS=0
clock_at() {
	if command -v fake_clock > /dev/null 2>&1; then
		at "$1"
		CLOCK_OFFSET_MS=$OFFSET_MS
		return
	fi
	MASHD_WRAP=$FAULT_WRAP
	CLOCK_OFFSET_MS=0
	[ -n "$1" ] || return 0
	CLOCK_OFFSET_MS=$(($(date -u -d "$1" +%s%3N) - $(date +%s%3N)))
	_o=${CLOCK_OFFSET_MS#-}
	_s=+
	[ "$CLOCK_OFFSET_MS" -ge 0 ] || _s=-
	# ASan must come first among preloads; libfaketime is one too.
	MASHD_WRAP="env TZ=UTC FAKETIME=$_s$((_o / 1000)).$(printf '%03d' $((_o % 1000))) LD_PRELOAD=$FAKETIME_LIB ASAN_OPTIONS=verify_asan_link_order=0 $FAULT_WRAP"
}

# clock_now: now on the scenario's clock, in ms.
clock_now() {
	echo $(($(date +%s%3N) + CLOCK_OFFSET_MS))
}

# fault_mashd: lib.sh's start_mashd; its pid in $T/mashd.pid too, for
# the sampler. fault_stop_mashd [SIGNAL]: lib.sh's stop_mashd.
fault_mashd() {
	start_mashd
	echo "$MASHD_PID" > "$T/mashd.pid"
}

fault_stop_mashd() {
	: > "$T/mashd.pid"
	stop_mashd "$@"
}

# start_mashd2: a second mashd on the same Redis, from $T/mashd2.conf
# (mashd.conf with a socket and a port of its own), its log in
# $T/mashd2.log, its pid in MASHD2_PID and $T/mashd2.pid.
FPORT2=$(pick_port)
[ -n "$FPORT2" ] || exit 1
start_mashd2() {
	sed -e "s|$T/mashd.sock|$T/mashd2.sock|" \
		-e "s/port = $FPORT;/port = $FPORT2;/" \
		"$T/mashd.conf" > "$T/mashd2.conf"
	chmod 600 "$T/mashd2.conf" # it holds tokens: see config_load
	_from=0
	[ -f "$T/mashd2.log" ] && _from=$(wc -l < "$T/mashd2.log")
	if [ -n "$AT" ] && command -v fake_clock > /dev/null 2>&1; then
		TZ=UTC FAKETIME=$(fake_clock) LD_PRELOAD=$FAKETIME_LIB \
			$MASHD_WRAP "$MASHD" -f -c "$T/mashd2.conf" \
			2>> "$T/mashd2.log" &
	else
		$MASHD_WRAP "$MASHD" -f -c "$T/mashd2.conf" \
			2>> "$T/mashd2.log" &
	fi
	MASHD2_PID=$!
	echo "$MASHD2_PID" > "$T/mashd2.pid"
	wait_for 10 "tail -n +$((_from + 1)) '$T/mashd2.log' |
		grep -q 'http: listening'" ||
		{ echo "the second mashd did not start:"; cat "$T/mashd2.log"; exit 1; }
	wait_for 10 curl -sf "http://127.0.0.1:$FPORT2/healthz" ||
		{ echo "the second mashd did not reach redis"; exit 1; }
}

stop_mashd2() {
	: > "$T/mashd2.pid"
	kill -"${1:-TERM}" "$MASHD2_PID"
	{ wait "$MASHD2_PID"; } 2> /dev/null
	_rc=$?
	[ "${1:-TERM}" = TERM ] && expect "the second mashd exits 0 on SIGTERM" "$_rc" 0
	MASHD2_PID=
}

# load_start NAME TOKEN FIRST [KEY-PREFIX [MASH-LOAD-ARGS...]]: requests
# numbered from FIRST, 2 connections each a request every 5 ms at most,
# in the background until $T/stop exists (or LOAD_SECS), each answer in
# $T/load-NAME.log. A KEY-PREFIX ("" for none) gives every request an
# Idempotency-Key, as a partner's system sends.
load_start() {
	_n=$1 _tok=$2 _first=$3 _keys=${4:-}
	shift 3
	[ $# -gt 0 ] && shift
	"$LOAD" http -n 100000000 -c 2 -i 5 -m POST -o "$_first" \
		${_keys:+-k "$_keys"} -l "$T/load-$_n.log" -d "$LOAD_SECS" \
		-S "$T/stop" -t 30 -H "Authorization: Bearer $_tok" \
		-H 'Content-Type: application/json' -b "$T/body.json" "$@" \
		"http://127.0.0.1:$FPORT/v1/referrals" > "$T/load-$_n.out" 2>&1 &
	echo $! > "$T/load-$_n.pid"
}

# load_stop: no new request; wait for every load to have its answers.
load_stop() {
	touch "$T/stop"
	for _f in "$T"/load-*.pid; do
		[ -f "$_f" ] || continue
		wait "$(cat "$_f")" 2>/dev/null
		rm -f "$_f"
	done
}

# resend NAME TOKEN: each request of load NAME left without a 201 that
# has a key (the 503's idempotency_key, or its own) is sent again with
# it, the same body, as a client recovers; answers in $T/again-NAME.log.
resend() {
	awk -F'\t' '$2 != 201 {
		k = ($5 != "-") ? $5 : $4
		if (k != "-") print $1, k
	}' "$T/load-$1.log" > "$T/resend-$1"
	"$LOAD" http -x "$T/resend-$1" -c 2 -m POST -l "$T/again-$1.log" \
		-t 30 -H "Authorization: Bearer $2" \
		-H 'Content-Type: application/json' -b "$T/body.json" \
		"http://127.0.0.1:$FPORT/v1/referrals" > /dev/null 2>&1
	: >> "$T/again-$1.log"
}

# procs_start: count the children of every mashd of $T/mashd*.pid every
# 2 ms, in the background until $T/stop-procs exists; procs_stop puts the
# sampler's line in PROCS (not in a subshell: only this shell can wait
# for the sampler).
procs_start() {
	_args=
	for _f in "$T"/mashd.pid "$T"/mashd2.pid; do
		[ -f "$_f" ] && _args="$_args -p $_f"
	done
	"$LOAD" procs -i 2 -d "$LOAD_SECS" -S "$T/stop-procs" $_args \
		> "$T/procs.out" &
	echo $! > "$T/procs.pid"
}

procs_stop() {
	touch "$T/stop-procs"
	wait "$(cat "$T/procs.pid")" 2>/dev/null
	rm -f "$T/procs.pid"
	PROCS=$(cat "$T/procs.out")
}

# inflight: the alerts taken but not yet recorded (pending in the
# outbox's group). Counted just after a kill -9, they are those the kill
# may have left delivered but unrecorded, to be delivered again: with
# one daemon, exactly the dead one's; with two, the live one's too.
inflight() {
	_n=$(rcli xpending '{mash}:outbox' mashd 2>/dev/null | head -1)
	case $_n in '' | *[!0-9]*) echo 0 ;; *) echo "$_n" ;; esac
}

# drained: every alert of the outbox read and acknowledged.
DRAINED="
local function get(t, k)
  for i = 1, #t, 2 do if t[i] == k then return t[i + 1] end end
end
if redis.call('EXISTS', KEYS[1]) == 0 then return 1 end
local last = get(redis.call('XINFO', 'STREAM', KEYS[1]), 'last-generated-id')
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
if #groups == 0 then return 0 end
for _, g in ipairs(groups) do
  if get(g, 'pending') ~= 0 or get(g, 'last-delivered-id') ~= last then
    return 0
  end
end
return 1"
drained() {
	[ "$(rcli eval "$DRAINED" 1 '{mash}:outbox')" = 1 ]
}

# gone PID: has the process PID exited? (kill -0 passes on a zombie not
# yet waited for.)
gone() {
	[ ! -e "/proc/$1/stat" ] ||
		[ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# check [FAULT-CHECK-ARGS...]: fault-check on the loads' logs and Redis.
# Its verdicts become this test's ok and FAIL lines; its figures are
# printed as "figures TEST: ..." lines, which tests/faults/run.sh gathers.
check() {
	_args=
	for _f in "$T"/load-*.log; do
		[ -f "$_f" ] && _args="$_args -l $_f"
	done
	for _f in "$T"/again-*.log; do
		[ -f "$_f" ] && _args="$_args -r $_f"
	done
	"$CHECK" -s "$T/redis.sock" -b "$T/body.json" $_args "$@" \
		> "$T/check.out" 2> "$T/check.err"
	[ $? -le 1 ] || not_ok "fault-check runs" "$(cat "$T/check.err")"
	while IFS= read -r _l; do
		case $_l in
		"ok "*) ok "${_l#ok }" ;;
		"FAIL "*) not_ok "${_l#FAIL }" ;;
		"  "*) echo "     ${_l#  }" ;;
		"figure "*) echo "figures $TEST: ${_l#figure }" ;;
		esac
	done < "$T/check.out"
	# lib.sh's finish() reads the first daemon's log; this, the second's.
	if [ -f "$T/mashd2.log" ]; then
		if grep -F -i -f "$FIX/NAMES" "$T/mashd2.log" > "$T/leaks2"; then
			not_ok "no personal data in the second mashd's log" \
				"$(head -3 "$T/leaks2")"
		else
			ok "no personal data in the second mashd's log"
		fi
		if grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
			"$T/mashd2.log" > "$T/san2"; then
			not_ok "no sanitizer report from the second mashd" \
				"$(head -5 "$T/san2")"
		fi
	fi
	# The marker is the concern's text: never in a log.
	if grep -l 'fault-marker-' "$T"/mashd*.log > "$T/markers" 2>/dev/null
	then
		not_ok "no concern text in mashd's log" "in $(cat "$T/markers")"
	else
		ok "no concern text in mashd's log"
	fi
}
