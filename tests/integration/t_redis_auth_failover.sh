#!/bin/sh
# A failover with passwords: two nodes that ask one (requirepass, and
# masterauth to replicate), a sentinel that asks its own. The nodes take
# writes with no replica in sync (min-replicas-to-write 0): what is
# tested is the logging in, not replication's own checks (t_sentinel). mashd, given
# redis.password and redis.sentinel_password, follows a failover to the
# replica made master, logs in there too, and takes referrals on it; the
# one stored before is there. No password shows in the log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ha.sh"
# Tuesday 03:00 (UTC): the hub is closed, so no digest is due at start.
at "2026-03-03 03:00:00"
PASS=node-pass-Qe5-0123456789
SPASS=sentinel-pass-Lm2-24680
export REDISCLI_AUTH=$PASS
REDIS_EXTRA="--requirepass $PASS --masterauth $PASS --min-replicas-to-write 0" start_node 0
REDIS_EXTRA="--requirepass $PASS --masterauth $PASS --min-replicas-to-write 0" start_node 1 "$(node_port 0)"
wait_for 20 '[ "$(replicas_online 0)" = 1 ]' ||
	{ echo "the replica did not sync"; exit 1; }
scli() { REDISCLI_AUTH=$SPASS redis-cli -p "$(sent_port 0)" "$@"; }
mkdir -p "$T/sent0"
cat > "$T/sent0/sentinel.conf" <<EOC
port $(sent_port 0)
bind 127.0.0.1
dir $T/sent0
sentinel monitor mash 127.0.0.1 $(node_port 0) 1
sentinel auth-pass mash $PASS
sentinel down-after-milliseconds mash 60000
requirepass $SPASS
EOC
redis-sentinel "$T/sent0/sentinel.conf" --logfile "$T/sent0.log" &
SENT0_PID=$!
wait_for 30 "scli sentinel master mash | awk 'p { print; p = 0 } /^num-slaves\$/ { p = 1 }' | grep -qx 1" ||
	{ echo "the sentinel did not find the replica"; exit 1; }

REDIS_AT="sentinels = [ \"127.0.0.1:$(sent_port 0)\" ]; master_name = \"mash\";"
# replicas_ack = 1, as a hub with a replica runs: a referral the old
# master takes as the failover begins is not acknowledged (the replica,
# made master, does not have it), it is answered 503 and sent again.
REDIS_CONF="password = \"$PASS\"; sentinel_password = \"$SPASS\"; replicas_ack = 1;" write_conf
start_mashd
# start_mashd waits for Redis only with one Redis of its own (REDIS_PID).
wait_for 30 curl -sf "$URL/healthz"
expect "mashd logs in on the master the sentinel names" "$?" 0
expect "a referral before the failover" "$(post "$FIX/amber.json")" 201
A=$(jbody .id)
wait_for 10 "[ \"\$(ncli 1 hexists '{mash}:ref:$A' record)\" = 1 ]"
expect "the replica has it" "$?" 0

from=$(log_lines)
expect "the sentinel fails over at once when told" "$(scli sentinel failover mash)" OK
wait_for 30 "[ \"\$(scli sentinel get-master-addr-by-name mash | sed -n 2p)\" = $(node_port 1) ]"
expect "to the replica" "$?" 0
wait_for 30 "[ \"\$(post "$FIX/green.json")\" = 201 ]"
expect "mashd takes referrals again, without a restart" "$?" 0
B=$(jbody .id)
expect "stored on the new master, which asked mashd's password" \
	"$(ncli 1 hexists "{mash}:ref:$B" record)" 1
expect_log "mashd says it follows the new master" \
	"127\\.0\\.0\\.1:$(node_port 1)" "$from"
expect "the referral stored before is read there" \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $WEB_TOKEN" "$URL/v1/referrals/$A")" 200
if grep -F -e "$PASS" -e "$SPASS" "$T/mashd.log" > "$T/leak" 2>/dev/null; then
	not_ok "no password in the log" "$(head -2 "$T/leak")"
else
	ok "no password in the log"
fi
stop_mashd
finish
