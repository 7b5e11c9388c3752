#!/bin/sh
# Timers in bulk: a wake-up at a due time claims the timer in that one
# call, with no look at the due set first, and the answer tells when the
# next is due; thousands due at once, with two mashd on one Redis, fire in
# batches back to back, each exactly once and in due order. Referrals are
# written as submit.lua writes them, by lib.sh's timer_fill.
. "$(dirname "$0")/lib.sh"
start_redis
at "2026-11-27 15:00:00"

# The fire events since stream id FROM, one per line: "due late_ms ref:timer".
fires() {
	rcli xrange '{mash}:events' "$1" + | awk '
		$0 == "ref" { getline ref; next }
		$0 == "action" { getline action; next }
		$0 == "detail" { getline d
			if (action != "fire") next
			split(d, f, " "); t = substr(f[1], 7)
			print substr(f[2], 5), substr(f[3], 9), ref ":" t }'
}
# The scheduler's calls of next.lua in MONITOR's output: its one key is
# the due set, its arguments the prefix and {}.
nexts() {
	grep -c '"EVALSHA" "[0-9a-f]*" "1" "{mash}:due" "{mash}:" "{}"' "$1"
}
fire_calls() {
	grep -n '"EVALSHA" .*"{\\"limit\\":[0-9]*}"' "$1" | cut -d: -f1
}

# Six timers due 300 ms apart, mashd waiting for them: at each due time it
# fires at once, and learns the next due time from that same call.
start_mashd
redis-cli -s "$T/redis.sock" monitor > "$T/monitor" &
MON=$!
wait_for 5 "rcli client list | grep -q cmd=monitor"
from=$(rcli xadd '{mash}:test' '*' mark start)
timer_fill 2024 6 $(($(redis_ms) + 3000)) 300 screening
wait_for 20 "[ \"\$(rcli zcard '{mash}:due')\" = 0 ]"
expect "all six fired" "$?" 0
kill "$MON"
wait "$MON" 2> /dev/null
fires "$from" > "$T/fired"
expect "six fire events" "$(wc -l < "$T/fired")" 6
expect "none fired before its due instant (by Redis's clock)" \
	"$(awk '$2 < 0' "$T/fired" | wc -l)" 0
first=$(fire_calls "$T/monitor" | head -1)
last=$(fire_calls "$T/monitor" | tail -1)
expect "mashd called fire.lua at least six times" \
	"$([ "$(fire_calls "$T/monitor" | wc -l)" -ge 6 ] && echo yes)" yes
sed -n "${first},${last}p" "$T/monitor" > "$T/between"
expect "no look at the due set between the firings: each wake-up fired" \
	"$(nexts "$T/between")" 0
stop_mashd

# 4000 timers due within one second, four to a millisecond (the loader
# rounds each due time to the ms), and two mashd waiting for them.
from=$(rcli xadd '{mash}:test' '*' mark start)
timer_fill 2025 1000 $(($(redis_ms) + 4000)) 0.25 screening decision_warning \
	decision escalation
start_mashd
# A scrape: from now on the store keeps the counters of /metrics.
curl -sf "$URL/metrics" > /dev/null
sed "s|$T/mashd.sock|$T/b.sock|" "$T/mashd.conf" > "$T/b.conf"
chmod 600 "$T/b.conf"
TZ=UTC FAKETIME=$(fake_clock) LD_PRELOAD=$FAKETIME_LIB \
	ASAN_OPTIONS=verify_asan_link_order=0 \
	$MASHD_WRAP "$MASHD" -f -c "$T/b.conf" 2>> "$T/mashd.log" &
PID_B=$!
wait_for 10 test -S "$T/b.sock"
# The decisions missed schedule their overdue reminders, due days later.
upto=$(($(redis_ms) + 60000))
wait_for 60 "[ \"\$(rcli zcount '{mash}:due' -inf $upto)\" = 0 ]"
expect "every timer due has fired" "$?" 0
kill "$PID_B"
wait "$PID_B"
expect "the second mashd exits 0" "$?" 0
stop_mashd
fires "$from" > "$T/fired"
expect "4000 fire events" "$(wc -l < "$T/fired")" 4000
expect "each timer fired once" "$(cut -d' ' -f3 "$T/fired" | sort -u | wc -l)" 4000
expect "in due order" "$(cut -d' ' -f1 "$T/fired" | sort -c -n 2>&1 && echo yes)" yes
expect "none early" "$(awk '$2 < 0' "$T/fired" | wc -l)" 0
expect "each recorded as fired on its referral" \
	"$(rcli eval "local n = 0
		for i = 1, 1000 do
		  local k = string.format('{mash}:ref:MASH-2025-%06d', i)
		  for _, t in ipairs({'screening', 'decision_warning', 'decision',
		                      'escalation'}) do
		    if redis.call('HEXISTS', k, 'fired:' .. t) == 1 then n = n + 1 end
		  end
		end
		return n" 0)" 4000
start_mashd
# Each decision missed gets its first reminder, once, however the two
# mashd shared the firings (each schedules a batch's rungs in one call;
# a rung a stop cut off is scheduled at the next start, by ladder_gap).
rungs() {
	rcli eval "local n = 0
		for i = 1, 1000 do
		  local k = string.format('{mash}:ref:MASH-2025-%06d', i)
		  if redis.call('HGET', k, 'rung:overdue_reminder') == '1' and
		     redis.call('ZSCORE', '{mash}:due', string.format(
		       'MASH-2025-%06d:overdue_reminder', i)) then n = n + 1 end
		end
		return n" 0
}
wait_for 10 '[ "$(rungs)" = 1000 ]'
expect "each decision missed has its first reminder scheduled, once" \
	"$(rungs)" 1000
# A batch writes its events' chain and figures once a call: the chain
# holds, and each referral is counted overdue for its three deadlines.
ctl audit verify > "$T/out"
expect "the audit chain holds over the batches" "$?" 0
expect "every referral counted overdue for its three deadlines" \
	"$(rcli eval "local n = 0
		for i = 1, 1000 do
		  if redis.call('HGET', '{mash}:overdue', string.format(
		       'MASH-2025-%06d', i)) == 'decision escalation screening'
		  then n = n + 1 end
		end
		return n" 0)" 1000
# The batches add their counters up, one HINCRBY a field a call: /metrics
# counts every firing and every referral overdue all the same (the six
# screenings of the first part too).
curl -sf "$URL/metrics" | grep -v '^#' > "$T/samples"
sample() { awk -v k="$1" '$1 == k { print $2 }' "$T/samples"; }
for t in screening:1006 decision_warning:1000 decision:1000 \
	escalation:1000; do
	expect "/metrics: ${t#*:} ${t%:*} timers fired" \
		"$(sample "mashd_timers_fired_total{timer=\"${t%:*}\"}")" "${t#*:}"
done
for t in screening:1006 decision:1000 escalation:1000; do
	expect "/metrics: ${t#*:} referrals overdue for their ${t%:*}" \
		"$(sample "mashd_overdue_referrals{timer=\"${t%:*}\"}")" "${t#*:}"
done
stop_mashd
echo "# fired by each mashd: $(sed -n 's/^mashd\[\([0-9]*\)\].* fired due=.*/\1/p' \
	"$T/mashd.log" | sort | uniq -c | awk '{ printf "%s ", $1 }')"
finish
