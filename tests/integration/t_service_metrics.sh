#!/bin/sh
# t_service_metrics: GET /metrics in Prometheus's text format, read by the
# reference parser (python3-prometheus-client): queue depth by BRAG,
# overdue referrals by timer, referrals taken by channel, alerts by state,
# timers fired, Redis's round trip, uptime. The counters live in Redis
# (kept by the scripts that audit each change; t_metrics_counters checks
# them against a count of the store) and survive a restart of mashd, and
# even the loss of their own key. `mashctl status --json` shows the same
# figures. With Redis away, /metrics still answers, with mashd_redis_up 0.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
HAVE_PARSER=no
$PY -c 'import prometheus_client.parser' 2>/dev/null && HAVE_PARSER=yes

# scrape: GET /metrics into $T/metrics (headers in $T/mheaders); with the
# reference parser, also each sample as `name{k="v",...} value`, sorted,
# into $T/samples; without it, the text's own sample lines.
scrape() {
	curl -s -D "$T/mheaders" -o "$T/metrics" "$URL/metrics"
	if [ $HAVE_PARSER = yes ]; then
		$PY -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        labels = ",".join("%s=\"%s\"" % kv for kv in sorted(s.labels.items()))
        v = s.value
        v = "%d" % v if v == int(v) else repr(v)
        out.append("%s%s %s" % (s.name, "{%s}" % labels if labels else "", v))
print("\n".join(sorted(out)))
' "$T/metrics" > "$T/samples" 2> "$T/parse.err"
	else
		grep -v '^#' "$T/metrics" | sort > "$T/samples"
	fi
}
# m 'name{label="value"}': a sample's value, empty if absent.
m() {
	awk -v k="$1" '$1 == k { print $2 }' "$T/samples"
}
# The open referrals with this timer overdue, by the queue itself.
queue_overdue() {
	ctl queue --overdue --json | jq "[.[] | select(.overdue | index(\"$1\"))] | length"
}
nfired() {
	rcli xrange '{mash}:events' - + | grep -c "^timer=$1 "
}

# Friday 27 November 2026, 15:00 (London is on GMT): five referrals, one
# of each channel the hub has here.
start_redis
at "2026-11-27 15:00:00"
start_mashd
post "$FIX/red.json" > /dev/null
post "$FIX/amber.json" "$POLICE_TOKEN" > /dev/null
post "$FIX/green.json" > /dev/null
post "$FIX/blue.json" > /dev/null
ctl referral new --file "$FIX/phone.json" > /dev/null

scrape
if [ $HAVE_PARSER = yes ]; then
	if [ -s "$T/samples" ] && [ ! -s "$T/parse.err" ]; then
		ok "the reference Prometheus parser reads every sample"
	else
		not_ok "the reference Prometheus parser reads every sample" \
			"$(tail -3 "$T/parse.err")"
	fi
else
	skip "python3-prometheus-client is not installed: the format is not checked by the reference parser"
fi
expect_match "Content-Type is the text format 0.0.4" \
	"$(grep -i '^Content-Type:' "$T/mheaders" | tr -d '\r')" \
	'text/plain; version=0.0.4; charset=utf-8'
expect "every family has its HELP and TYPE" \
	"$(grep -c '^# HELP mashd_' "$T/metrics") $(grep -c '^# TYPE mashd_' "$T/metrics")" \
	"19 19"
expect "no timer deferred for a damaged record" \
	"$(m 'mashd_timers_damaged{state="deferred"}')" 0
expect "the master in use, no failover seen, no replica awaited" \
	"$(m "mashd_redis_master_info{address=\"$T/redis.sock\"}") $(m mashd_redis_failovers_total) $(m mashd_redis_replicas_ack)" \
	"1 0 0"
expect "queue depth by BRAG" \
	"$(m 'mashd_queue_referrals{brag="red"}') $(m 'mashd_queue_referrals{brag="amber"}') $(m 'mashd_queue_referrals{brag="green"}') $(m 'mashd_queue_referrals{brag="blue"}')" \
	"$(for b in red amber green blue; do ctl queue --brag $b --json | jq -j 'length'; printf ' '; done | sed 's/ $//')"
expect "referrals taken by channel: web, partner, phone, email" \
	"$(m 'mashd_referrals_taken_total{channel="web"}') $(m 'mashd_referrals_taken_total{channel="partner"}') $(m 'mashd_referrals_taken_total{channel="phone"}') $(m 'mashd_referrals_taken_total{channel="email"}')" \
	"3 1 1 0"
expect "nothing overdue yet" \
	"$(grep -c '^mashd_overdue_referrals{timer="[a-z]*"} 0$' "$T/samples")" 4
expect "no timer fired yet" \
	"$(grep -c '^mashd_timers_fired_total{timer="[a-z_]*"} 0$' "$T/samples")" 7
alerts=$(($(m 'mashd_alerts{state="pending"}') + $(m 'mashd_alerts{state="sent"}') + $(m 'mashd_alerts{state="dead"}') + $(m 'mashd_alerts{state="requeued"}')))
expect "alerts by state account for every alert in the outbox" \
	"$alerts" "$(rcli xlen '{mash}:outbox')"
expect "Redis is up" "$(m mashd_redis_up)" 1
expect "and durable" "$(m mashd_redis_durable)" 1
expect_match "its round trip, in seconds" "$(m mashd_redis_rtt_seconds)" \
	'^0\.[0-9]*[1-9][0-9]*$|^[0-9]e-0[0-9]$|^[0-9.]+e-0[0-9]$'
expect_match "uptime" "$(m mashd_uptime_seconds)" '^[0-9]+$'
expect "mashd's clock against Redis's: within 2 s" \
	"$(m mashd_clock_skew_seconds | awk '{ print ($1 > -2 && $1 < 2) ? "yes" : $1 }')" yes
expect "the version" "$(grep -c '^mashd_build_info{version="0.1.0"} 1$' "$T/samples")" 1
expect "POST /metrics: 405" \
	"$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/metrics")" 405

ctl status --json > "$T/status"
expect "mashctl status --json: the same queue" \
	"$(jq -c '.queue | [.red, .amber, .green, .blue, .open]' "$T/status")" \
	"[$(m 'mashd_queue_referrals{brag="red"}'),$(m 'mashd_queue_referrals{brag="amber"}'),$(m 'mashd_queue_referrals{brag="green"}'),$(m 'mashd_queue_referrals{brag="blue"}'),5]"
expect "the same referrals taken" "$(jq -c '.taken' "$T/status")" \
	'{"web":3,"partner":1,"phone":1,"email":0}'
expect "the same overdue and fired" \
	"$(jq -c '[.overdue[]] + [.fired[]]' "$T/status")" '[0,0,0,0,0,0,0,0,0,0,0]'
expect "and alerts by state, Redis's round trip, uptime" \
	"$(jq -r '[(.alerts | keys | join(",")), (.redis_rtt_us | type), .redis, (.uptime | type)] | join(" ")' "$T/status")" \
	"callback,dead,pending,requeued,sent number up number"
ctl status > "$T/status.txt"
expect_match "mashctl status: the same figures for a person" \
	"$(cat "$T/status.txt")" 'taken +web 3, partner 1, phone 1, email 0'
expect_match "with Redis's round trip" "$(cat "$T/status.txt")" \
	'^redis +up, round trip [0-9]+ us'
expect "and a line for each group" \
	"$(grep -cE '^(queue|overdue|taken|fired|alerts) ' "$T/status.txt")" 5

# Thursday 3 December, noon: mashd was away; every timer but none of the
# referrals' decisions came and went. They fire on start, and the
# counters taken before the restart are still there.
stop_mashd
at "2026-12-03 12:00:00"
start_mashd
wait_for 10 "[ \$(ctl queue --overdue --json | jq length) -eq 5 ]"
wait_for 10 "fired MASH-2026-000005 written"
sleep 0.5
scrape
for t in decision escalation written screening; do
	expect "overdue $t: as the queue says" \
		"$(m "mashd_overdue_referrals{timer=\"$t\"}")" "$(queue_overdue $t)"
done
expect "every referral's decision is overdue" \
	"$(m 'mashd_overdue_referrals{timer="decision"}')" 5
for t in decision escalation written screening decision_warning \
	screening_escalate; do
	expect "timers fired, $t: as the audit stream says" \
		"$(m "mashd_timers_fired_total{timer=\"$t\"}")" "$(nfired $t)"
done
expect "the counters survived the restart" \
	"$(m 'mashd_referrals_taken_total{channel="web"}') $(m 'mashd_referrals_taken_total{channel="partner"}') $(m 'mashd_referrals_taken_total{channel="phone"}')" \
	"3 1 1"
cp "$T/samples" "$T/samples.before"
rcli del '{mash}:stats' > /dev/null
scrape
expect "without their key, they are counted again from the audit stream" \
	"$(grep -E '_total\{' "$T/samples")" \
	"$(grep -E '_total\{' "$T/samples.before")"

# Redis away: /metrics answers what mashd knows of itself.
stop_redis
wait_for 10 "! curl -sf '$URL/healthz'"
scrape
expect "with Redis away, /metrics still answers 200" \
	"$(head -1 "$T/mheaders" | tr -d '\r')" "HTTP/1.1 200 OK"
expect "mashd_redis_up 0" "$(m mashd_redis_up)" 0
expect "mashd_redis_durable 0: not known" "$(m mashd_redis_durable)" 0
expect "and no figure it cannot know" \
	"$(grep -c 'mashd_queue_referrals' "$T/samples")" 0
expect "mashctl status: redis down" "$(ctl status --json | jq -r .redis)" down

finish
