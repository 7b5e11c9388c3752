#!/bin/sh
# Redis Sentinel with passwords: a node that asks one (requirepass) and
# two sentinels that ask their own (requirepass, and auth-pass to reach
# the node). mashd gives the sentinels redis.sentinel_password on its
# questions and on its subscription, and the node they name
# redis.password. A sentinel that refuses mashd's, or asks one not given,
# is logged once each (not at every retry, though mashd asks them in
# turn), Redis is away (503, nothing stored), and no password shows in
# the log. A "sentinel" that is no sentinel is said to be none, not to
# refuse the password.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ha.sh"
# Tuesday 03:00 (UTC): the hub is closed, so no digest is due at start.
at "2026-03-03 03:00:00"
PASS=node-pass-Hw3-0123456789
SPASS=sentinel-pass-Kd8-13579
WRONG=not-the-pass-Zr4-987654
export REDISCLI_AUTH=$PASS
# One node, no replica: it takes writes without one.
REDIS_EXTRA="--requirepass $PASS --min-replicas-to-write 0" start_node 0
SP0=$(sent_port 0)
SP1=$(sent_port 1)
# scli N ARGS...: redis-cli on sentinel N, with its password.
scli() {
	_s=$1
	shift
	REDISCLI_AUTH=$SPASS redis-cli -p "$(sent_port "$_s")" "$@"
}
for _n in 0 1; do
	mkdir -p "$T/sent$_n"
	cat > "$T/sent$_n/sentinel.conf" <<EOC
port $(sent_port $_n)
bind 127.0.0.1
dir $T/sent$_n
sentinel monitor mash 127.0.0.1 $(node_port 0) 1
sentinel auth-pass mash $PASS
requirepass $SPASS
EOC
	redis-sentinel "$T/sent$_n/sentinel.conf" --logfile "$T/sent$_n.log" &
	eval "SENT${_n}_PID=$!"
	wait_for 10 "scli $_n sentinel get-master-addr-by-name mash | grep -qx '$(node_port 0)'" ||
		{ echo "sentinel $_n does not name the node"; exit 1; }
done

# sentinel_errors N: how many errors sentinel N answered so far (a
# sentinel keeps no count of each kind); the test's own scli makes none.
sentinel_errors() {
	scli "$1" info stats | tr -d '\r' | sed -n 's/^total_error_replies://p'
}
no_secret() {
	if grep -F -e "$PASS" -e "$SPASS" -e "$WRONG" "$T/mashd.log" \
		> "$T/leak" 2>/dev/null; then
		not_ok "$1" "$(head -2 "$T/leak")"
	else
		ok "$1"
	fi
}
# refused NAME REGEX: mashd, just started, says "sentinel ADDR REGEX"
# once of each sentinel while each refuses at least four of its
# connections (two errors each at most: AUTH's, then the command's
# NOAUTH): mashd asks them in turn. And Redis is away.
refused() {
	_e0=$(sentinel_errors 0)
	_e1=$(sentinel_errors 1)
	_r0="redis: sentinel 127\\.0\\.0\\.1:$SP0 $2"
	_r1="redis: sentinel 127\\.0\\.0\\.1:$SP1 $2"
	expect_log "$1: the log says why, of the first" "$_r0"
	expect_log "$1: and of the second" "$_r1"
	wait_for 20 "[ \$((\$(sentinel_errors 0) - $_e0)) -ge 8 ] &&
		[ \$((\$(sentinel_errors 1) - $_e1)) -ge 8 ]"
	expect "$1: mashd asked each again (4 connections refused each)" "$?" 0
	expect "$1: said once of each, not at every retry" \
		"$(grep -cE -- "$_r0" "$T/mashd.log") $(grep -cE -- "$_r1" "$T/mashd.log")" \
		"1 1"
	expect "$1: /healthz and POST answer 503" \
		"$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz") $(post "$FIX/amber.json")" \
		"503 503"
	expect "$1: nothing stored" "$(ncli 0 --scan --pattern '{mash}:ref:*' | grep -c .)" 0
	no_secret "$1: no password in the log"
}

REDIS_AT="sentinels = [ \"127.0.0.1:$SP0\", \"127.0.0.1:$SP1\" ]; master_name = \"mash\";"

# ---- no sentinel password
REDIS_CONF="password = \"$PASS\";" write_conf
start_mashd --unready
refused "no sentinel password" \
	"requires a password: set redis\\.sentinel_password"
stop_mashd

# ---- a wrong one
REDIS_CONF="password = \"$PASS\"; sentinel_password = \"$WRONG\";" write_conf
start_mashd --unready
refused "a wrong sentinel password" \
	"refused the password for user default: WRONGPASS"
stop_mashd

# ---- both right: the sentinels name the node, which takes mashd's
REDIS_CONF="password = \"$PASS\"; sentinel_password = \"$SPASS\";" write_conf
start_mashd
wait_for 15 curl -sf "$URL/healthz"
expect_match "mashd reaches the node a sentinel names" \
	"$(ctl status --json | jq -r '.redis + " " + .redis_sentinel')" \
	"^up 127\\.0\\.0\\.1:($SP0|$SP1)\$"
expect_log "and follows failovers through a sentinel (its subscription logged in)" \
	"following failovers of \"mash\" through the sentinel 127\\.0\\.0\\.1:($SP0|$SP1)"
expect "a referral is taken" "$(post "$FIX/amber.json")" 201
no_secret "no password in the log"
stop_mashd

# ---- a "sentinel" that is none: the node itself, which takes the
# password and answers SENTINEL with an error that is no refusal
_from=$(log_lines)
REDIS_AT="sentinels = [ \"127.0.0.1:$(node_port 0)\" ]; master_name = \"mash\";"
REDIS_CONF="password = \"$PASS\"; sentinel_password = \"$PASS\";" write_conf
start_mashd --unready
expect_log "a node named as a sentinel: said to be none" \
	"none of the 1 sentinel\\(s\\) named the master \"mash\" \\(the last: 127\\.0\\.0\\.1:$(node_port 0) is not a sentinel: ERR\\)" \
	"$_from"
expect "and not to refuse the password" \
	"$(tail -n "+$((_from + 1))" "$T/mashd.log" | grep -c 'refused the password')" 0
no_secret "no password in the log"
stop_mashd

# ---- a sentinel that asks no password, given one: it refuses AUTH, and
# what it answers after is not used (as a node that asks none is
# refused), so mashd asks again, saying so once; before, it used the
# answer and said the refusal again at every look (every 5 s).
SP2=$(sent_port 2)
mkdir -p "$T/sent2"
cat > "$T/sent2/sentinel.conf" <<EOC
port $SP2
bind 127.0.0.1
dir $T/sent2
sentinel monitor mash 127.0.0.1 $(node_port 0) 1
sentinel auth-pass mash $PASS
EOC
redis-sentinel "$T/sent2/sentinel.conf" --logfile "$T/sent2.log" &
SENT2_PID=$!
s2() { env -u REDISCLI_AUTH redis-cli -p "$SP2" "$@"; }
wait_for 10 "s2 sentinel get-master-addr-by-name mash | grep -qx '$(node_port 0)'" ||
	{ echo "sentinel 2 does not name the node"; exit 1; }
s2_errors() { s2 info stats | tr -d '\r' | sed -n 's/^total_error_replies://p'; }
_from=$(log_lines)
_e=$(s2_errors)
REDIS_AT="sentinels = [ \"127.0.0.1:$SP2\" ]; master_name = \"mash\";"
REDIS_CONF="password = \"$PASS\"; sentinel_password = \"$SPASS\";" write_conf
start_mashd --unready
wait_for 30 "[ \$((\$(s2_errors) - $_e)) -ge 4 ]"
expect "a sentinel that asks none: asked again and again (4 refusals)" "$?" 0
expect "said once, not at every look" \
	"$(tail -n "+$((_from + 1))" "$T/mashd.log" |
		grep -c "sentinel 127\.0\.0\.1:$SP2 refused the password")" 1
expect "its answer unused: Redis is away" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 503
no_secret "no password in the log"
finish
