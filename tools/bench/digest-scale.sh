#!/bin/sh
# digest-scale.sh: the supervisors' daily digest gathered after a busy day
# (issue 13, item 4; BENCHMARKS.md). BENCH_DIGEST referrals (20,000 by
# default), written by tools/bench/timer-fill.lua, each with an Amber
# warning (held for the digest: alerts.digest), a decision deadline and
# an escalation, all fired on a Sunday evening; at Monday's opening mashd
# gathers the digest with Redis's SLOWLOG keeping every call. Printed: the
# calls of the gathering (digest_gather.lua and the pages after it, the
# timeliness pages, digest.lua), the longest and their sum in Redis's own
# time, the gathering's wall time (from its start, digest.lua's `at`, to
# the digest's outbox entry, on Redis's clock), the load average, and the
# worst wait of another client's PING from mashd's start to the digest.
# Run from the top: MASH_BUILD=$PWD/build sh tools/bench/digest-scale.sh
. "$(dirname "$0")/../../tests/integration/lib.sh"
N=${BENCH_DIGEST:-20000}
write_conf 'alerts = { sendmail = ""; digest = true; };'
start_redis
at "2026-11-29 20:00:00"
timer_fill 2025 "$N" $(($(redis_ms) + 2000)) 0.05 decision_warning decision \
	escalation
start_mashd
wait_for 600 "[ \"\$(rcli zcount '{mash}:due' -inf $(($(redis_ms) + 60000)))\" = 0 ]" ||
	{ echo "the backlog did not fire"; exit 1; }
stop_mashd > /dev/null
rcli config set slowlog-log-slower-than 0 > /dev/null
rcli config set slowlog-max-len 1000000 > /dev/null
rcli slowlog reset > /dev/null
echo "# events $(rcli xlen '{mash}:events'), overdue $(rcli hlen '{mash}:overdue'), held $(rcli xlen '{mash}:digest:held')"
at "2026-11-30 07:59:58"
load=$(cut -d' ' -f1-3 /proc/loadavg)
# Another client's PING every 10 ms meanwhile (its worst is Redis's
# longest wait for anyone).
rcli --latency --no-raw > "$T/latency" 2> /dev/null &
LAT=$!
start_mashd
wait_for 300 "[ \"\$(rcli exists '{mash}:digest:sent:2026-11-30')\" = 1 ]" ||
	{ echo "no digest"; exit 1; }
kill "$LAT"
echo "# Redis meanwhile: $(rcli info | grep -E '^(latest_fork_usec|aof_rewrites|total_forks):' | tr -d '\r' | tr '\n' ' ')"
stop_mashd > /dev/null
rcli --json slowlog get 1000000 > "$T/slowlog"
echo "# the longest calls of all, digest or not (ms, command, first words):"
jq -r 'sort_by(-.[2]) | .[0:3][] | "#   \(.[2] / 1000) \(.[3][0:4] | join(" ") | .[0:90])"' "$T/slowlog"
jq -r '.[] |
	(.[3] | map(select(type == "string")) | join(" ")) as $a |
	select($a | test("EVALSHA")) |
	(if ($a | test("\"held_last\":.*\"text\"")) then "digest"
	 elif ($a | test("\"since\":.*\"max\"|\"max\":.*\"since\"")) then "gather"
	 elif ($a | test(" 1 [{]mash[}]:overdue [{]mash[}]: ")) then "overdue"
	 elif ($a | test("\"upto\"")) then "escalations"
	 elif ($a | test("\"want\"")) then "held"
	 elif ($a | test("\"audit\":\"\"")) then "timeliness"
	 else empty end) + " " + (.[2] | tostring)' "$T/slowlog" > "$T/calls"
awk -v load="$load" '
	{ n[$1]++; s[$1] += $2; if ($2 > m[$1]) m[$1] = $2
	  N++; S += $2; if ($2 > M) M = $2 }
	END { for (k in n) printf "%-12s %5d calls, longest %8.2f ms, mean %6.2f ms, sum %8.2f ms\n",
		k, n[k], m[k] / 1000, s[k] / n[k] / 1000, s[k] / 1000
	      printf "all          %5d calls, longest %8.2f ms, sum %8.2f ms (load %s)\n",
		N, M / 1000, S / 1000, load }' "$T/calls"
rcli eval "local e = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1000)
	for _, x in ipairs(e) do
	  local f = {}
	  for i = 1, #x[2], 2 do f[x[2][i]] = x[2][i + 1] end
	  if f.event == 'digest' then
	    return tonumber(string.match(x[1], '^(%d+)')) - tonumber(f.at)
	  end
	end
	return -1" 1 '{mash}:outbox' | sed 's/^/gathering to written, wall ms: /'
tr '\r' '\n' < "$T/latency" | tail -1 | sed 's/^.*min/PING meanwhile (ms): min/'; echo
events '' digest | sed 's/.*detail \(.*\) prev .*/\1/'
finish > /dev/null
