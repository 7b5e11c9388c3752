#!/bin/sh
# Redis kill -9 under load, FAULT_CYCLES times, started again at once on
# the same data directory (appendonly yes, appendfsync always, as
# conf/redis.conf has it). A script Redis ran and made durable just
# before it died leaves mashd with a lost reply: the referral is stored,
# but mashd never heard. Its answer must then say so, or carry a key that
# finds the truth (issue 9, defect 4); every 201 must survive the kill.
. "$(dirname "$0")/lib.sh"
make_body
recording_mta
fault_conf "$ALERTS_CONF"
start_redis
fault_mashd
procs_start
load_start web "$WEB_TOKEN" 0
load_start partner "$POLICE_TOKEN" 100000000 "fk-"
i=0
up=0
while [ $i -lt "$FAULT_CYCLES" ]; do
	nap "$(rand 200 700)"
	stop_redis KILL
	start_redis
	wait_for 15 curl -sf "http://127.0.0.1:$FPORT/healthz" && up=$((up + 1))
	i=$((i + 1))
done
expect "mashd is back on Redis after each of $FAULT_CYCLES kills" "$up" "$FAULT_CYCLES"
nap 300
load_stop
resend web "$WEB_TOKEN"
resend partner "$POLICE_TOKEN"
wait_for 60 drained
expect "the alerts drain after $FAULT_CYCLES kills of Redis" "$?" 0
procs_stop
fault_stop_mashd TERM
check -n "$(clock_now)" -p "$PROCS" -m 8 -A
echo "figures $TEST: cycles=$FAULT_CYCLES"
finish
