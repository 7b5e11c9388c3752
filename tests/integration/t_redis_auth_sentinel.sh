#!/bin/sh
# Redis Sentinel with passwords: a node that asks one (requirepass) and a
# sentinel that asks its own (requirepass, and auth-pass to reach the
# node). mashd gives the sentinel redis.sentinel_password on its question
# and on its subscription, and the node the sentinel names
# redis.password. A sentinel that refuses mashd's, or asks one not given,
# is logged once (not at every retry), Redis is away (503, nothing
# stored), and no password shows in the log.
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
SP=$(sent_port 0)
mkdir -p "$T/sent0"
cat > "$T/sent0/sentinel.conf" <<EOC
port $SP
bind 127.0.0.1
dir $T/sent0
sentinel monitor mash 127.0.0.1 $(node_port 0) 1
sentinel auth-pass mash $PASS
requirepass $SPASS
EOC
redis-sentinel "$T/sent0/sentinel.conf" --logfile "$T/sent0.log" &
SENT0_PID=$!
# scli ARGS...: redis-cli on the sentinel, with its password.
scli() { REDISCLI_AUTH=$SPASS redis-cli -p "$SP" "$@"; }
wait_for 10 "scli sentinel get-master-addr-by-name mash | grep -qx '$(node_port 0)'" ||
	{ echo "the sentinel does not name the node"; exit 1; }

# sentinel_errors: how many errors the sentinel answered so far (a
# sentinel keeps no count of each kind); the test's own scli makes none.
sentinel_errors() {
	scli info stats | tr -d '\r' | sed -n 's/^total_error_replies://p'
}
no_secret() {
	if grep -F -e "$PASS" -e "$SPASS" -e "$WRONG" "$T/mashd.log" \
		> "$T/leak" 2>/dev/null; then
		not_ok "$1" "$(head -2 "$T/leak")"
	else
		ok "$1"
	fi
}
# refused NAME REGEX: mashd, just started, says REGEX once while the
# sentinel refuses at least four of its connections (two errors each at
# most: AUTH's, then the command's NOAUTH), and Redis is away.
refused() {
	_e0=$(sentinel_errors)
	expect_log "$1: the log says why" "$2"
	wait_for 20 "[ \$((\$(sentinel_errors) - $_e0)) -ge 8 ]"
	expect "$1: mashd asked again (4 connections refused)" "$?" 0
	expect "$1: said once, not at every retry" \
		"$(grep -cE -- "$2" "$T/mashd.log")" 1
	expect "$1: /healthz and POST answer 503" \
		"$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz") $(post "$FIX/amber.json")" \
		"503 503"
	expect "$1: nothing stored" "$(ncli 0 --scan --pattern '{mash}:ref:*' | grep -c .)" 0
	no_secret "$1: no password in the log"
}

REDIS_AT="sentinels = [ \"127.0.0.1:$SP\" ]; master_name = \"mash\";"

# ---- no sentinel password
REDIS_CONF="password = \"$PASS\";" write_conf
start_mashd --unready
refused "no sentinel password" \
	"redis: sentinel 127.0.0.1:$SP requires a password: set redis\\.sentinel_password"
stop_mashd

# ---- a wrong one
REDIS_CONF="password = \"$PASS\"; sentinel_password = \"$WRONG\";" write_conf
start_mashd --unready
refused "a wrong sentinel password" \
	"redis: sentinel 127.0.0.1:$SP refused the password for user default: WRONGPASS"
stop_mashd

# ---- both right: the sentinel names the node, which takes mashd's
REDIS_CONF="password = \"$PASS\"; sentinel_password = \"$SPASS\";" write_conf
start_mashd
wait_for 15 curl -sf "$URL/healthz"
expect "mashd reaches the node the sentinel names" \
	"$(ctl status --json | jq -r '.redis + " " + .redis_sentinel')" \
	"up 127.0.0.1:$SP"
expect_log "and follows failovers through the sentinel (its subscription logged in)" \
	"following failovers of \"mash\" through the sentinel 127.0.0.1:$SP"
expect "a referral is taken" "$(post "$FIX/amber.json")" 201
no_secret "no password in the log"
finish
