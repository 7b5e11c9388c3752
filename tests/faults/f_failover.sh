#!/bin/sh
# Redis Sentinel failovers under load (issue 14): a replica set of one
# master, two replicas and three sentinels (tests/integration/lib_ha.sh),
# mashd with redis.replicas_ack = 1. A web form (no key) and a partner's
# system (a key on every request) submit all along while the master is
# killed (-9) FAILOVERS times (20 in `make faults`); after each, the
# killed node comes back as a replica of the new master, so that two
# replicas are there for the next. Timers fall due all the while: the
# referrals of a first batch, taken at Tuesday 10:00, reach their
# escalation as the failovers begin. Then every request left without a
# 201 that has a key is sent again, the alerts drain, and the checker
# asserts the invariants on the last master: every 201 stored whole, none
# twice, every 503 honest, every due timer fired once and none early,
# every alert sent, duplicates counted by their Message-ID.
#
# (Written beside the harness of tests/faults/lib.sh; until that harness
# is in the tree, run it from a tree that has it.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../integration/lib_ha.sh"
trap 'faults_cleanup; ha_cleanup; cleanup' EXIT
trap 'exit 1' INT TERM HUP
FAILOVERS=${FAILOVERS:-$((FAULT_CYCLES >= 20 ? 20 : FAULT_CYCLES < 3 ? FAULT_CYCLES : 3))}

# redis.sock, which the harness's rcli, drained and checker read, is the
# master's socket: pointed again after each failover.
point_at_master() {
	_m=$(master_port) && ln -sf "$T/node$(node_of "$_m").sock" "$T/redis.sock"
}

make_body
recording_mta
# A first batch, Tuesday 10:00: their escalations fall due on Friday. The
# nodes run on the scenario's clock, by which timers fire.
clock_at "2027-02-09 10:00:00"
start_ha
point_at_master
REDIS_AT=$(ha_redis_conf)
REDIS_CONF="replicas_ack = 1; timeout = 2;"
fault_conf "$ALERTS_CONF
recipients = { navigators = [ \"navigators@hub.example\" ];
  supervisors = [ \"supervisors@hub.example\" ]; };"

n=$((8 * FAILOVERS))
fault_mashd
wait_for 15 curl -sf "http://127.0.0.1:$FPORT/healthz" ||
	{ not_ok "mashd reaches the master"; finish; exit; }
"$LOAD" http -n "$n" -c 1 -i 29 -m POST -o 0 -k fk- \
	-l "$T/load-first.log" -t 30 \
	-H "Authorization: Bearer $POLICE_TOKEN" \
	-H 'Content-Type: application/json' -b "$T/body.json" \
	"http://127.0.0.1:$FPORT/v1/referrals" > /dev/null
expect "$n ambers acknowledged, each confirmed by a replica" \
	"$(awk -F'\t' '$2 == 201' "$T/load-first.log" | wc -l | tr -d ' ')" "$n"
wait_for 30 drained
fault_stop_mashd TERM
first=$(rcli zrange '{mash}:due' 0 -1 withscores | awk '
	NR % 2 == 1 { m = $0; next }
	m ~ /:escalation$/ && (lo == "" || $0 + 0 < lo + 0) { lo = $0 }
	END { print lo }')
[ -n "$first" ] || { not_ok "the ambers have escalation timers"; finish; exit; }

# Friday, just before the first escalation: load, timers and failovers.
clock_at "$(date -u -d "@$((first / 1000 - 2))" '+%Y-%m-%d %H:%M:%S')"
ha_settle
fault_mashd
wait_for 15 curl -sf "http://127.0.0.1:$FPORT/healthz"
procs_start
load_start web "$WEB_TOKEN" 1000000
load_start partner "$POLICE_TOKEN" 100000000 "fk-"
inflight=0
served=0
lost=0
i=0
while [ $i -lt "$FAILOVERS" ]; do
	nap "$(rand 300 900)"
	n0=$(switches)
	old=$(master_port)
	t0=$(date +%s%3N)
	stop_node "$(node_of "$old")" KILL
	if ! wait_for 30 '[ "$(switches)" -gt "$n0" ] && [ "$(master_port)" != "$old" ]'; then
		lost=$((lost + 1))
		break
	fi
	new=$(master_port)
	point_at_master
	# The alerts taken and not yet recorded, as the new master has them:
	# those the kill may leave delivered but unrecorded.
	inflight=$((inflight + $(inflight)))
	# Served again within 2 s of the sentinels' switch.
	t1=$(date +%s%3N)
	wait_for 2 curl -sf "http://127.0.0.1:$FPORT/healthz" && served=$((served + 1))
	# From the kill to the switch, and on to mashd's answering again.
	echo "$((t1 - t0)) $(($(date +%s%3N) - t0))" >> "$T/outages"
	start_node "$(node_of "$old")" "$new"
	wait_for 30 '[ "$(replicas_online "$(node_of "$(master_port)")")" = 2 ]'
	point_at_master
	i=$((i + 1))
done
expect "the sentinels failed over $FAILOVERS times" "$i/$lost" "$FAILOVERS/0"
expect "mashd served again within 2 s of each" "$served" "$FAILOVERS"
nap 500
load_stop
point_at_master
resend web "$WEB_TOKEN"
resend partner "$POLICE_TOKEN"
wait_for 60 drained
expect "the alerts drain after $FAILOVERS failovers" "$?" 0
procs_stop
fault_stop_mashd TERM
point_at_master
check -n "$(clock_now)" -p "$PROCS" -m 8 -M "$T/mails.log" -k "$inflight" -A
# min/median/max of a column of $T/outages
spread() {
	cut -d' ' -f"$1" "$T/outages" | sort -n |
		awk '{ v[NR] = $1 } END { printf "%d/%d/%d", v[1], v[int((NR + 1) / 2)], v[NR] }'
}
echo "figures $TEST: failovers=$FAILOVERS first_batch=$n" \
	"mashd_failovers_seen=$(grep -c 'event="redis_failover"' "$T/mashd.log")" \
	"switch_ms=$(spread 1) served_ms=$(spread 2) (min/median/max from the kill)"
finish
