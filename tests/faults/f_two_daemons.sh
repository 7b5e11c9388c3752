#!/bin/sh
# Two mashd on one Redis, killed FAULT_CYCLES times between them (kill -9
# and started again) while timers fall due. 24 ambers a cycle come in on
# Tuesday 10:00, spread over 0.7 s a cycle; the daemons start again just
# before the first escalation falls due (Friday 10:00), when every
# screening, warning and decision is due already: a burst to catch up,
# then a stream of escalations while the kills go on. Every timer due
# must fire exactly once, none early, whichever daemon fires it and
# however often each dies; alerts go to staff and referrers by mail, and
# the duplicates of alerts in flight at a kill are counted. mashd's clock
# runs from these instants under libfaketime.
. "$(dirname "$0")/lib.sh"
make_body
recording_mta
fault_conf "$ALERTS_CONF
recipients = { navigators = [ \"navigators@hub.example\" ];
  supervisors = [ \"supervisors@hub.example\" ]; };"
n=$((24 * FAULT_CYCLES))
clock_at "2027-02-09 10:00:00"
start_redis
fault_mashd
"$LOAD" http -n "$n" -c 1 -i 29 -m POST -o 0 -k fk- \
	-l "$T/load-partner.log" -t 30 \
	-H "Authorization: Bearer $POLICE_TOKEN" \
	-H 'Content-Type: application/json' -b "$T/body.json" \
	"http://127.0.0.1:$FPORT/v1/referrals" > /dev/null
expect "$n ambers acknowledged" \
	"$(awk -F'\t' '$2 == 201' "$T/load-partner.log" | wc -l | tr -d ' ')" "$n"
wait_for 30 drained
fault_stop_mashd TERM

# The escalations: the first and the last due.
rcli zrange '{mash}:due' 0 -1 withscores | awk '
	NR % 2 == 1 { m = $0; next }
	m ~ /:escalation$/ {
		if (lo == "" || $0 + 0 < lo + 0) lo = $0
		if (hi == "" || $0 + 0 > hi + 0) hi = $0
	}
	END { print lo, hi }' > "$T/escalations"
read -r first last < "$T/escalations"
[ -n "$last" ] || { not_ok "the ambers have escalation timers"; finish; exit; }
clock_at "$(date -u -d "@$((first / 1000 - 2))" '+%Y-%m-%d %H:%M:%S')"
fault_mashd
start_mashd2
procs_start
# The kills cover the span of the escalations, and 2 s more.
gap=$(((last - first + 4000) / FAULT_CYCLES))
inflight=0
i=0
while [ $i -lt "$FAULT_CYCLES" ]; do
	nap "$(rand $((gap / 2)) $((gap * 3 / 2)))"
	if [ "$(rand 0 1)" = 0 ]; then
		fault_stop_mashd KILL
		inflight=$((inflight + $(inflight)))
		fault_mashd
	else
		stop_mashd2 KILL
		inflight=$((inflight + $(inflight)))
		start_mashd2
	fi
	i=$((i + 1))
done
now=$(clock_now)
[ "$now" -gt "$last" ] || nap $((last - now + 1000))
wait_for 20 "[ \"\$(rcli zcount '{mash}:due' -inf $last)\" = 0 ]"
expect "every timer due by the last escalation claimed" "$?" 0
wait_for 60 drained
expect "the alerts drain after $FAULT_CYCLES kills" "$?" 0
procs_stop
fault_stop_mashd TERM
stop_mashd2 TERM
check -n "$last" -p "$PROCS" -m 8 -M "$T/mails.log" -k "$inflight" -A
echo "figures $TEST: cycles=$FAULT_CYCLES referrals=$n"
finish
