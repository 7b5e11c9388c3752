# lib.sh: the integration harness. Each test starts its own redis-server on
# a private Unix socket and the real mashd on a free port, drives them with
# curl, redis-cli and the real mashctl, and compares what comes back.
# Sourced by tests/integration/t_*.sh.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${MASH_BUILD:-$TOP/build}
MASHD=$BUILD/mashd
MASHCTL=$BUILD/mashctl
FIX=$TOP/tests/fixtures
T=$(mktemp -d "${TMPDIR:-/tmp}/mashd-test.XXXXXX")
TEST=$(basename "$0" .sh)
WEB_TOKEN=test-web-form-token-0123456789
POLICE_TOKEN=test-police-token-0123456789
passed=0
failed=0
skipped=0
REDIS_PID=
MASHD_PID=

cleanup() {
	[ -n "$MASHD_PID" ] && kill -9 "$MASHD_PID" 2>/dev/null
	[ -n "$REDIS_PID" ] && kill -9 "$REDIS_PID" 2>/dev/null
	for _s in "$T"/tmux*.sock; do
		[ -S "$_s" ] && tmux -S "$_s" kill-server 2>/dev/null
	done
	# The test's own background children (a webhook receiver, a client
	# left hanging): a test that ends early must not wait on them for
	# ever. TERM them and their children, give them three seconds, then
	# KILL what is left; only then wait. (jobs -p in a subshell is empty.)
	jobs -p > "$T/.kids" 2>/dev/null
	_kids=$(cat "$T/.kids" 2>/dev/null)
	if [ -n "$_kids" ]; then
		for _k in $_kids; do
			pkill -TERM -P "$_k" 2>/dev/null
			kill -TERM "$_k" 2>/dev/null
		done
		wait_for 3 kids_gone $_kids
		for _k in $_kids; do # the parent first: no "Killed" from it
			_gk=$(pgrep -P "$_k")
			kill -KILL "$_k" $_gk 2>/dev/null
		done
	fi
	{ wait; } 2>/dev/null # no "Killed" from the shell
	if [ "$failed" -eq 0 ] && [ -z "$KEEP" ]; then
		rm -rf "$T"
	else
		echo "$TEST: files kept in $T"
	fi
}
trap cleanup EXIT

# kids_gone PID...: true when none of them runs any more (an exited child
# not yet waited for is a zombie, which kill -0 still finds).
kids_gone() {
	for _p in "$@"; do
		case $(ps -o stat= -p "$_p" 2>/dev/null) in
		'' | Z*) ;;
		*) return 1 ;;
		esac
	done
}

ok() {
	passed=$((passed + 1))
	echo "ok   $TEST: $1"
}

not_ok() {
	failed=$((failed + 1))
	echo "FAIL $TEST: $1"
	shift
	for l in "$@"; do echo "     $l"; done
}

# skip WHY: a test that cannot run here says so, and is counted apart:
# never a silent pass.
skip() {
	skipped=$((skipped + 1))
	echo "SKIP $TEST: $1"
}

# expect NAME GOT WANT
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2" "want: $3"; fi
}

# expect_match NAME GOT EXTENDED-REGEX
expect_match() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else
		not_ok "$1" "got:  $2" "want: /$3/"; fi
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds, bounded.
# A single argument is shell code, run here (so it may use ctl, rcli).
wait_for() {
	_n=$(($1 * 20))
	shift
	while ! if [ $# -eq 1 ]; then eval "$1"; else "$@"; fi >/dev/null 2>&1; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || return 1
		sleep 0.05
	done
}

# log_lines: how many lines mashd.log has now, for expect_log's FROM.
log_lines() { wc -l < "$T/mashd.log"; }
# log_has FROM EXTENDED-REGEX: mashd.log has the line after line FROM.
log_has() { tail -n "+$(($1 + 1))" "$T/mashd.log" | grep -Eq -- "$2"; }
# expect_log NAME EXTENDED-REGEX [FROM]: mashd logs what it did after doing
# it, so a line is awaited (bounded) in mashd.log after line FROM, then
# checked there: the check fails as before when the line never comes.
expect_log() {
	wait_for 10 log_has "${3:-0}" "$2"
	expect_match "$1" "$(tail -n "+$((${3:-0} + 1))" "$T/mashd.log")" "$2"
}

start_redis() {
	mkdir -p "$T/redis"
	rm -f "$T/redis.sock"
	[ -f "$CLOCK_LIB" ] || { echo "no $CLOCK_LIB: make all first"; exit 1; }
	[ -f "$T/clock" ] || echo "$OFFSET_MS" > "$T/clock"
	LD_PRELOAD=$CLOCK_LIB REDIS_CLOCK_FILE=$T/clock \
	redis-server "$TOP/conf/redis.conf" --port 0 --unixsocket "$T/redis.sock" \
		--dir "$T/redis" --daemonize no --logfile "$T/redis.log" \
		--save '' $REDIS_EXTRA &
	REDIS_PID=$!
	wait_for 10 test -S "$T/redis.sock" || { echo "redis did not start"; exit 1; }
	wait_for 10 rcli ping || { echo "redis does not answer"; exit 1; }
}

stop_redis() {
	kill -"${1:-TERM}" "$REDIS_PID"
	{ wait "$REDIS_PID"; } 2> /dev/null
	REDIS_PID=
}

rcli() {
	redis-cli -s "$T/redis.sock" "$@"
}

# start_cutter RULE...: redis-cutter (tests/tools/redis-cutter.c), a proxy
# before Redis that follows RULEs on the request holding a marker; what it
# did in $T/cutter.out, its port in $T/cutter.port. Then write_conf, and
# conf_via_cutter to send mashd through it.
start_cutter() {
	"$BUILD/redis-cutter" "$T/cutter.port" "$T/redis.sock" "$@" \
		> "$T/cutter.out" &
	CUTTER_PID=$!
	trap 'kill $CUTTER_PID 2>/dev/null; cleanup' EXIT
	wait_for 10 test -s "$T/cutter.port" || { echo "no redis-cutter"; exit 1; }
}
conf_via_cutter() {
	sed -i "s|^redis = .*|redis = { host = \"127.0.0.1\"; port = $(cat "$T/cutter.port"); };|" \
		"$T/mashd.conf"
}

# write_conf [EXTRA-LIBCONFIG-TEXT]: $REDIS_CONF, when set, goes inside
# the redis group (e.g. "timeout = 1;"), $HTTP_CONF inside the http group,
# $CONTROL_CONF inside control; $REDIS_AT, when set, says where Redis is
# instead of the test's socket (e.g. sentinels, lib_ha.sh).
write_conf() {
	_at=${REDIS_AT:-"socket = \"$T/redis.sock\";"}
	cat > "$T/mashd.conf" <<EOC
redis = { $_at $REDIS_CONF };
http = { address = "127.0.0.1"; port = 0; max_body = 65536; $HTTP_CONF };
control = { socket = "$T/mashd.sock";${CONTROL_CONF:+ $CONTROL_CONF} };
calendar = { holidays_file = "$TOP/conf/bank-holidays.json"; };
clients = (
  { name = "web-form"; token = "$WEB_TOKEN"; channel = "web"; },
  { name = "county-police"; token = "$POLICE_TOKEN"; channel = "partner";
    agency = "County Constabulary"; }
);
$1
EOC
	# It holds tokens: mashd refuses it readable by others.
	chmod 600 "$T/mashd.conf"
}

# at "YYYY-MM-DD HH:MM:SS" (UTC): the test's clock is that instant now,
# and runs on from there: Redis's at once (redis-clock.so, preloaded by
# start_redis), and that of each mashd started after (libfaketime on the
# whole process). mashd fires its timers by Redis's clock, so the two
# move together. `at ""` returns to the real clock.
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
CLOCK_LIB=$BUILD/redis-clock.so
AT=
OFFSET_MS=0 # the test's clock minus the real one
at() {
	AT=$1
	OFFSET_MS=0
	[ -z "$1" ] || OFFSET_MS=$(($(date -u -d "$1" +%s%3N) - $(date +%s%3N)))
	echo "$OFFSET_MS" > "$T/clock"
	# A LIVE_CLOCK mashd reads this file at each reading of the time;
	# renamed into place, it is never read half written.
	fake_clock > "$T/faketime.tmp" && mv "$T/faketime.tmp" "$T/faketime"
	[ -z "$REDIS_PID" ] || wait_for 5 redis_on_time ||
		{ echo "redis's clock did not follow at $1"; exit 1; }
}

# fake_clock [MS]: libfaketime's FAKETIME for a process on the test's
# clock, or MS milliseconds ahead of it (behind when negative).
fake_clock() {
	_o=$((OFFSET_MS + ${1:-0}))
	_s=+
	[ "$_o" -ge 0 ] || { _s=-; _o=$((-_o)); }
	printf '%s%d.%03d' "$_s" $((_o / 1000)) $((_o % 1000))
}

# redis_ms: Redis's clock (TIME), UTC ms.
redis_ms() {
	rcli time | { read -r _s; read -r _us; echo $((_s * 1000 + _us / 1000)); }
}

# redis_on_time: Redis's clock is the test's, give or take half a second.
redis_on_time() {
	_d=$(($(redis_ms) - $(date +%s%3N) - OFFSET_MS))
	[ "${_d#-}" -lt 500 ]
}

# start_mashd [--unready]: run mashd in the foreground, its log appended
# to mashd.log, and wait until it listens and has reached Redis (when Redis
# is up); with --unready, not for /healthz (a Redis that mashd refuses).
# $MASHD_PREFIX, when set, is a command that execs mashd (and its
# $MASHD_WRAP) with the same pid, e.g. "prlimit --nofile=1024:1024".
# SKEW_MS=N start_mashd: its clock N ms ahead of the test's (after `at`).
# LIVE_CLOCK=1 start_mashd: its clock follows each `at` while it runs
# (libfaketime reads $T/faketime at each reading; CLOCK_MONOTONIC stays
# the real one): a test that only needs things done at chosen instants
# need not restart mashd for each (a start under valgrind costs seconds).
# Timers that an `at` makes due fire within about a second (the
# scheduler looks at least once a second, by Redis's clock, which `at`
# moves): racing the test's next command, so a test that checks what a
# timer did waits for it (wait_for), never assumes it has or has not
# fired. SKEW_MS is not applied.
# LIVE_CLOCK=mono start_mashd: CLOCK_MONOTONIC follows each `at` too
# (libfaketime then gives it the test's clock), so the time mashd
# measures (a held alert's wait, alerts.timeout, the repeat of "mail
# still held up") passes with an `at`: move it forward only, and by less
# than redis.timeout at a step (a call to Redis in flight over the step
# would time out).
start_mashd() {
	spawn_mashd "$@"
	mashd_ready
}

# spawn_mashd [--unready]: start_mashd's first half: mashd started, its
# pid MASHD_PID (and in the file MASHD_PIDFILE names, when set: for a
# watch that must know it before mashd is ready); mashd_ready, the second:
# waits until it listens, and, but with --unready, until it reaches Redis.
spawn_mashd() {
	_ready=yes
	[ "${1:-}" = --unready ] && _ready=
	[ -f "$T/mashd.conf" ] || write_conf
	_from=0; [ -f "$T/mashd.log" ] && _from=$(wc -l < "$T/mashd.log")
	if [ -n "$AT" ] && [ -n "${LIVE_CLOCK:-}" ]; then
		_mono=1
		[ "$LIVE_CLOCK" != mono ] || _mono=0
		TZ=UTC FAKETIME_TIMESTAMP_FILE=$T/faketime FAKETIME_NO_CACHE=1 \
		FAKETIME_DONT_FAKE_MONOTONIC=$_mono LD_PRELOAD=$FAKETIME_LIB \
		ASAN_OPTIONS=verify_asan_link_order=0 \
			$MASHD_PREFIX $MASHD_WRAP "$MASHD" -f -c "$T/mashd.conf" \
			2>> "$T/mashd.log" &
	elif [ -n "$AT" ]; then
		# ASan must come first among preloads; libfaketime is one too.
		TZ=UTC FAKETIME=$(fake_clock "${SKEW_MS:-0}") LD_PRELOAD=$FAKETIME_LIB \
		ASAN_OPTIONS=verify_asan_link_order=0 \
			$MASHD_PREFIX $MASHD_WRAP "$MASHD" -f -c "$T/mashd.conf" \
			2>> "$T/mashd.log" &
	else
		$MASHD_PREFIX $MASHD_WRAP "$MASHD" -f -c "$T/mashd.conf" \
			2>> "$T/mashd.log" &
	fi
	MASHD_PID=$!
	[ -z "${MASHD_PIDFILE:-}" ] || echo "$MASHD_PID" > "$MASHD_PIDFILE"
}
mashd_ready() {
	# Only this start's lines count: earlier ones name other ports.
	wait_for 30 "tail -n +$((_from + 1)) '$T/mashd.log' |
		grep -q 'http: listening'" ||
		{ echo "mashd did not start:"; cat "$T/mashd.log"; exit 1; }
	PORT=$(tail -n +$((_from + 1)) "$T/mashd.log" |
		sed -n 's/.*http: listening on .* port \([0-9]*\).*/\1/p' | tail -1)
	URL=${URL_SCHEME:-http}://127.0.0.1:$PORT # https: t_tls.sh
	if [ -n "$REDIS_PID" ] && [ -n "$_ready" ]; then
		wait_for 10 curl -sf "$URL/healthz" ||
			{ echo "mashd did not reach redis"; exit 1; }
	fi
}

# stop_mashd [SIGNAL]: TERM checks a clean exit (and, under the
# sanitizers, no leak); KILL is a crash.
stop_mashd() {
	kill -"${1:-TERM}" "$MASHD_PID"
	{ wait "$MASHD_PID"; } 2> /dev/null # no "Killed" from the shell
	_rc=$?
	if [ "${1:-TERM}" = TERM ]; then
		expect "mashd exits 0 on SIGTERM" "$_rc" 0
	fi
	MASHD_PID=
}

ctl() {
	"$MASHCTL" -s "$T/mashd.sock" "$@"
}

# queue_fill FROM TO: green referrals MASH-2025-FROM..TO written straight
# into Redis, as years of data leave it, each with its decision's due
# time: one EVAL, one fsync (keep each call short of redis.timeout).
queue_fill() {
	rcli eval "for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
		local id = string.format('MASH-2025-%06d', i)
		redis.call('HSET', '{mash}:ref:' .. id, 'id', id, 'brag', 'green',
			'status', 'new', 'channel', 'web',
			'received', 1700000000000 + i, 'due:decision', 1800000000000 + i)
		redis.call('ZADD', '{mash}:queue', 2 * 10000000000000 + 1700000000000 + i, id)
	end" 0 "$1" "$2" > /dev/null
}

# timer_fill YEAR COUNT DUE STEP TIMER...: COUNT referrals written as
# submit.lua writes them, by the benchmark's loader
# (tools/bench/timer-fill.lua), so that thousands take a second: amber,
# with these timers, the first due at DUE (ms), each next one STEP ms
# later; their references are MASH-YEAR-000001 on.
timer_fill() {
	if [ -z "${TIMER_FILL:-}" ]; then
		cat "$BUILD/words.lua" "$BUILD/lib.lua" \
			"$TOP/tools/bench/timer-fill.lua" > "$T/timer-fill.lua"
		TIMER_FILL=$(rcli -x script load < "$T/timer-fill.lua")
	fi
	_y=$1 _n=$2 _due=$3 _step=$4
	shift 4
	rcli evalsha "$TIMER_FILL" 6 "{mash}:seq:$_y" '{mash}:queue' \
		'{mash}:due' '{mash}:events' '{mash}:events:head' \
		'{mash}:index:received' '{mash}:' "$(jq -cn \
			--arg r "$(jq -c . "$FIX/amber.json")" --argjson n "$_n" \
			--arg due "$_due" --argjson step "$_step" \
			--arg received "$(redis_ms)" '{year: '"$_y"', count: $n,
			received: $received, brag: "amber", score: "1",
			record: $r, timers: $ARGS.positional, due: $due,
			step: $step}' --args "$@")" > /dev/null
}

# stalled_backlog YEAR N: mashd started on N referrals of YEAR, each with
# its decision and escalation due an hour ago; once the first batch is
# fired, and its answer read by mashd (a backlog's holds start at it),
# Redis holds mashd's next calls (CLIENT PAUSE WRITE holds every script
# call; `rcli client unpause` ends it). Run mashd with redis.timeout
# longer than the pause (t_digest_backlog.sh). Redis holds the calls from
# before mashd starts, then lets them through for 50 ms at a time (BLPOP's
# timeout, between an unpause and a pause sent on one connection: no
# process started between them) until the first batch is fired, so a
# loaded machine fires no more of the backlog than an idle one (before,
# a pause sent after the first batch was seen fired came too late at load
# 15: 1000 of 6000 left).
stalled_backlog() {
	timer_fill $1 $2 $(($(redis_ms) - 3600000)) 0 decision escalation
	rcli client pause 600000 write > /dev/null
	start_mashd --unready # (its healthz waits on a script call)
	_i=0
	while [ "$(rcli hexists "{mash}:ref:MASH-$1-000001" fired:decision)" != 1 ] &&
		[ $_i -lt 600 ]; do
		printf 'client unpause\nblpop {mash}:test:none 0.05\nclient pause 600000 write\n' |
			rcli > /dev/null
		_i=$((_i + 1))
	done
	echo "# the first batch fired after $_i openings of 50 ms"
	wait_for 30 "grep -q 'referral MASH-$1-000001 timer decision fired' '$T/mashd.log'"
	_left=$(rcli zcount '{mash}:due' -inf "$(redis_ms)")
	echo "# $_left of $(($2 * 2)) timers still due when Redis pauses"
	expect "the backlog is still due when Redis pauses" \
		"$([ "$_left" -gt 1000 ] && echo yes)" yes
}

# tuesday_night_backlog: Redis started, and mashd at 23:57 on Tuesday
# 2026-12-15, the day's digest not sent, on a backlog of 6000 timers
# Redis stalls (stalled_backlog), its clock running on, monotonic too
# (LIVE_CLOCK=mono), and its calls longer than any pause (redis.timeout):
# t_digest_midnight, t_digest_retry_midnight.
tuesday_night_backlog() {
	REDIS_CONF='timeout = 600;'
	LIVE_CLOCK=mono
	start_redis
	at "2026-12-15 23:57:00"
	stalled_backlog 2029 3000
}

# timer REF TIMER FIELD: a timer's due, fired or stopped instant as
# `show` gives it ("null" when unset; empty when mashd cannot answer).
timer() {
	ctl show "$1" --json 2>/dev/null | jq -r ".timers.$2.$3" 2>/dev/null
}

# minute: an instant to the minute. The test's clock starts at the chosen
# instant and runs on, so a referral may be taken a second or two after it
# (valgrind starts slowly): due times are checked to the minute.
minute() {
	sed 's/:[0-9][0-9]Z$//'
}

# late REF TIMER: how many ms after its due instant a timer fired.
late() {
	echo $(($(rcli hget "{mash}:ref:$1" "fired:$2") - $(rcli hget "{mash}:ref:$1" "due:$2")))
}

# on_time REF TIMER: fired within one second of its due instant.
on_time() {
	_l=$(late "$1" "$2")
	[ "$_l" -ge 0 ] && [ "$_l" -lt 1000 ] && echo yes || echo "no: late by ${_l} ms"
}

# fired REF TIMER: has the timer fired? (jq -e passes on empty input:
# never trust it to wait on.)
fired() {
	_v=$(timer "$1" "$2" fired)
	[ -n "$_v" ] && [ "$_v" != null ]
}

# The audit events of a referral with this action, one per line:
# "ref ID at MS actor WHO action WHAT detail ...".
events() { # REF ACTION
	rcli xrange '{mash}:events' - + | awk '
		/^[0-9]+-[0-9]+$/ { if (e != "") print e; e = ""; next }
		{ e = (e == "" ? $0 : e " " $0) }
		END { if (e != "") print e }' |
		grep "^ref $1 " | grep " action $2 "
}

# post FILE [TOKEN [CURL-ARGS...]]: POST a referral; prints the status code,
# the body lands in $T/body, the headers in $T/headers.
post() {
	_f=$1
	_tok=${2:-$WEB_TOKEN}
	shift
	[ $# -gt 0 ] && shift
	curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $_tok" \
		-H 'Content-Type: application/json' \
		--data-binary @"$_f" "$@" "$URL/v1/referrals"
}

body() {
	cat "$T/body"
}

jbody() {
	jq -r "$1" "$T/body"
}

# damage KEY VALUE: KEY holds the string VALUE, whatever it held: a
# damaged record (SET replaces any kind of value).
damage() { rcli set "$1" "$2" > /dev/null; }

# How many referrals Redis holds, all keys counted.
nrefs() {
	rcli --scan --pattern '{mash}:ref:*' | grep -cv ':audit$'
}

# staff_mail_conf [ALERTS]: write_conf with alerts mailed by the test's
# sendmail (recording_sendmail) to one address of the navigators and one
# of the supervisors; ALERTS goes inside the alerts group.
staff_mail_conf() {
	write_conf "
alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\"; $1 };
recipients = { navigators = [ \"navigators@hub.example\" ];
  supervisors = [ \"supervisors@hub.example\" ]; };"
}

# recording_sendmail: $T/sendmail, a sendmail(8) stand-in that records
# each mail as $T/mail/N.eml and its arguments as N.args; it fails with
# EX_TEMPFAIL while $T/sendmail.fail exists.
recording_sendmail() {
	mkdir -p "$T/mail"
	cat > "$T/sendmail" <<EOS
#!/bin/sh
[ -f "$T/sendmail.fail" ] && exit 75
f="$T/mail/\$(date +%s%N).\$\$"
echo "\$*" > "\$f.args"
cat > "\$f.tmp" && mv "\$f.tmp" "\$f.eml"
EOS
	chmod +x "$T/sendmail"
}

# hanging_sendmail: $T/sendmail, a stand-in for an MTA that fails at once
# (EX_TEMPFAIL) while $T/fail exists, hangs while $T/hang exists (a child
# of its own holds it up, as a real one's would; its pid is added to
# $T/sleepers), else takes $T/slow seconds (0 if absent) and records the
# mail as $T/mail/N.eml.
hanging_sendmail() {
	mkdir -p "$T/mail"
	cat > "$T/sendmail" <<EOS
#!/bin/sh
[ -e "$T/fail" ] && exit 75
tmp="$T/mail/in.\$\$"
cat > "\$tmp"
if [ -e "$T/hang" ]; then
	sleep 3600 &
	echo \$! >> "$T/sleepers"
	wait
	exit 75
fi
[ -e "$T/slow" ] && sleep \$(cat "$T/slow")
mv "\$tmp" "$T/mail/\$(date +%s%N).\$\$.eml"
EOS
	chmod +x "$T/sendmail"
}

# mta_conf TIMEOUT CLAIM_IDLE ATTEMPTS [MORE]: write_conf with alerts
# through $T/sendmail (hanging_sendmail's, or a test's own), at most 2 at
# once, each given TIMEOUT seconds, claims idle after CLAIM_IDLE, retries
# every second up to ATTEMPTS; MORE is added after the alerts group.
mta_conf() {
	write_conf "
alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\";
  max_parallel = 2; timeout = $1; claim_idle = $2;
  retry = { first = 1; max = 1; attempts = $3; }; };
${4:-}"
}

# stuck_mta_conf: hanging_sendmail; a webhook receiver for the event red
# (what it gets in $T/hooks, red_hooks counts them); mta_conf with
# alerts.timeout 60 (a hung sendmail lives that long), 100 attempts;
# children counts mashd's (sendmail ones).
stuck_mta_conf() {
	mkdir -p "$T/hooks"
	hanging_sendmail
	"$BUILD/webhook-recv" "$T/hook.port" "$T/hooks" "$T/hook.status" &
	wait_for 5 test -s "$T/hook.port"
	mta_conf 60 130 100 "
recipients = { navigators = [ \"navigators@hub.example\" ];
  first_response = [ \"first-response@hub.example\" ]; };
webhooks = (
  { name = \"sms\"; url = \"http://127.0.0.1:$(cat "$T/hook.port")/hook\";
    insecure = true; events = [ \"red\" ];
    secret = \"webhook-secret-0123456789\"; }
);"
}
children() { pgrep -P "$MASHD_PID" | wc -l; }
red_hooks() { grep -l '"event":"red"' "$T"/hooks/*.body 2>/dev/null | wc -l; }

# start_mashd_stopped_at TEXT: mashd started (spawn_mashd), watched (rcli
# monitor into $T/monitor, its pid MON) from before its start, since a
# slow start (valgrind's) may reach the call watched for before a watch
# begun after it; mashd is sent SIGSTOP at the first command line holding
# TEXT. Its pid is written for the watch as it is spawned: what is watched
# for may come before mashd is ready (a digest due at its start), so this
# does not wait for that: once mashd is sent SIGCONT, mashd_ready does.
start_mashd_stopped_at() {
	: > "$T/a.pid"
	# -W interactive: Debian's awk (mawk) reads a pipe a block at a time
	# otherwise, and held the watch's last lines back until more came,
	# for as long as Redis was quiet.
	rcli monitor | awk -W interactive -v pidf="$T/a.pid" -v page="$1" '
		index($0, page) && ++n == 1 {
			while ((getline pid < pidf) <= 0) { close(pidf); system("sleep 0.01") }
			system("kill -STOP " pid)
		}
		{ print; fflush() }' > "$T/monitor" &
	MON=$!
	wait_for 5 "grep -q '^OK' '$T/monitor'"
	MASHD_PIDFILE=$T/a.pid
	spawn_mashd
	MASHD_PIDFILE=
}

# monitor_settled: every command Redis ran before now is in $T/monitor
# (a marker sent now comes after them, since MONITOR keeps Redis's order):
# it exits the test when the marker has not come within 10 s.
monitor_settled() {
	_mark=monitor-settled-$$-$(date +%s%N)
	rcli echo "$_mark" > /dev/null
	wait_for 10 "grep -qF '$_mark' '$T/monitor'" ||
		{ echo "the watch on Redis did not settle"; exit 1; }
}

# mails ADDRESS SUBJECT-WORDS: the recorded mails to ADDRESS whose subject
# matches; nmails: how many.
mails() {
	for f in "$T"/mail/*.eml; do
		[ -f "$f" ] || continue
		grep -q "^To: .*$1" "$f" && grep -q "^Subject: .*$2" "$f" && echo "$f"
	done
}
nmails() { mails "$@" | grep -c .; }

# expect_ack_mail FILE REF: FILE is the acknowledgement of the amber REF,
# received on Tuesday 24 November 2026 at 10:00, from mash-alerts@hub.example.
expect_ack_mail() {
	expect_match "subject carries the reference" "$(grep '^Subject:' "$1")" "\\[$2\\]"
	expect_match "From is alerts.from" "$(grep '^From:' "$1")" 'mash-alerts@hub.example'
	expect "Auto-Submitted" "$(grep '^Auto-Submitted:' "$1")" "Auto-Submitted: auto-generated"
	expect_match "Message-ID" "$(grep '^Message-Id:' "$1")" '<.*@mashd>'
	expect_match "Date" "$(grep '^Date:' "$1")" '^Date: Tue, 24 Nov 2026 10:00'
	expect_match "body quotes the reference" "$(cat "$1")" "Reference: $2"
	expect_match "and when the decision is due, in the hub's time" "$(cat "$1")" \
		'due by Wed 25 Nov 2026 10:00 GMT'
}

# No child's or family's personal data in anything mashd logged.
check_no_personal_data() {
	if grep -F -i -f "$FIX/NAMES" "$T/mashd.log" > "$T/leaks" 2>/dev/null; then
		not_ok "no personal data in mashd's log" "$(head -3 "$T/leaks")"
	else
		ok "no personal data in mashd's log"
	fi
}

finish() {
	[ -f "$T/mashd.log" ] && check_no_personal_data
	if [ -n "$MASHD_PID" ]; then stop_mashd TERM; fi
	if grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/mashd.log" \
		> "$T/san" 2>/dev/null; then
		not_ok "no sanitizer report" "$(head -5 "$T/san")"
	fi
	echo "$TEST: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}
