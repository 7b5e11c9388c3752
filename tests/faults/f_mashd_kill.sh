#!/bin/sh
# mashd kill -9 under load, FAULT_CYCLES times: a web form (no key) and a
# partner's system (an Idempotency-Key on every request) submit all along;
# mashd is killed at a random instant and started again on the same port.
# Then every request left without a 201 that has a key is sent again, the
# alerts drain, and the checker asserts the invariants. The alerts in
# flight at each kill are counted: a mail sent but not yet recorded is
# sent again after the restart (at-least-once), and FAULTS.md gives the
# rate.
. "$(dirname "$0")/lib.sh"
make_body
recording_mta
fault_conf "$ALERTS_CONF"
start_redis
fault_mashd
procs_start
load_start web "$WEB_TOKEN" 0
load_start partner "$POLICE_TOKEN" 100000000 "fk-"
inflight=0
i=0
while [ $i -lt "$FAULT_CYCLES" ]; do
	nap "$(rand 200 700)"
	fault_stop_mashd KILL
	inflight=$((inflight + $(inflight)))
	fault_mashd
	i=$((i + 1))
done
nap 300
load_stop
resend web "$WEB_TOKEN"
resend partner "$POLICE_TOKEN"
wait_for 60 drained
expect "the alerts drain after $FAULT_CYCLES kills" "$?" 0
procs_stop
fault_stop_mashd TERM
check -n "$(clock_now)" -p "$PROCS" -m 8 -M "$T/mails.log" -k "$inflight" -A
echo "figures $TEST: cycles=$FAULT_CYCLES"
finish
