#!/bin/sh
# t_digest_restart: a mashd started on a day whose digest was sent already
# (by it before a restart, or by another mashd) does not gather that
# digest again. Before, each start read the day's audit trail back to the
# last digest (digest_escalations.lua, a page of 250 events a call) and
# forward for the timeliness (report_events.lua), only for digest.lua to
# answer that the date's digest was sent: work that grew with the day's
# events, and in `make bench`, which restarts mashd before its rows over
# `sendmail -bs` sessions, was counted against intake with mail (about
# +600 us of Redis a referral by the third run; BENCHMARKS.md). Counted
# as t_metrics_counters counts a scrape: the commands Redis runs over a
# restart and 5 referrals with mail, before and after 2,000 more
# referrals of the day (written as submit.lua writes them, each with its
# audit event, by timer_fill: a second, where posting them took most of
# the test's time under valgrind): the gather's reads may not run more.
. "$(dirname "$0")/lib.sh"
# A sendmail that takes each message and drops it.
printf '#!/bin/sh\ncat > /dev/null\n' > "$T/sendmail"
chmod +x "$T/sendmail"
staff_mail_conf
start_redis
at "2026-11-24 10:00:00" # Tuesday, the hub open
start_mashd
sent_key='{mash}:digest:sent:2026-11-24'
wait_for 30 "[ \"\$(rcli exists '$sent_key')\" = 1 ]"
expect "the digest of the day is sent at the first start" "$?" 0

settled() { # no alert waiting to be delivered
	curl -s "$URL/metrics" | grep -q '^mashd_alerts{state="pending"} 0$'
}
# posts N: N referrals whose acknowledgement goes by mail, 4 at a time.
posts() {
	seq "$1" | xargs -P 4 -I{} curl -s -o /dev/null -X POST \
		-H "Authorization: Bearer $WEB_TOKEN" \
		-H 'Content-Type: application/json' \
		--data-binary @"$FIX/amber.json" "$URL/v1/referrals"
	wait_for 60 settled
}
# quiet: no digest's work for a second: its pages read the overdue hash
# (HSCAN) and the audit stream back (XREVRANGE), and digest.lua claims
# the date (SET); mashd's own ticks (alert_take, the scheduler: XRANGE,
# ZRANGE, a few EVALSHA a second) go on.
digestish() { rcli info commandstats | tr -d '\r' |
	sed -n 's/^cmdstat_\(xrevrange\|hscan\|set\):calls=\([0-9]*\),.*/\2/p' |
	tr '\n' ' '; }
quiet() {
	_a=$(digestish)
	sleep 1
	[ "$_a" = "$(digestish)" ]
}
# cost: the commands a restart and 5 referrals with mail run in Redis
# (theirs and their scripts'), "command calls" a line.
cost() {
	wait_for 60 quiet
	rcli config resetstat > /dev/null
	stop_mashd
	start_mashd
	posts 5
	wait_for 60 quiet
	rcli info commandstats | tr -d '\r' | grep '^cmdstat_' |
		sed 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\),.*/\1 \2/' | sort
}

posts 10
cost > "$T/cost1"
# 2,000 referrals more today, their timers due in 30 days (none fires).
e0=$(rcli xlen '{mash}:events')
timer_fill 2026 2000 $(($(redis_ms) + 30 * 86400000)) 1 decision
expect "the day's audit trail 2,000 events longer" \
	$(($(rcli xlen '{mash}:events') - e0)) 2000
cost > "$T/cost2"
expect "the digest sent is not gathered again: no audit event read back (XREVRANGE) over a restart" \
	"$(awk '$1 == "xrevrange"' "$T/cost1" "$T/cost2")" ""
# The gather's reads, command by command: a digest gathered again reads
# the 2,000 events in pages of 250, back (XREVRANGE) and forth (XRANGE),
# and the overdue hash (HSCAN). Only those that no tick of mashd's runs
# are compared (alert_take's XRANGE, XCLAIM and SMEMBERS vary with the
# outbox entries the new mashd adopts, /metrics' ZCOUNT with the polls).
expect "2,000 referrals more: the gather's reads (XREVRANGE, HSCAN) no more over a restart" \
	"$(join -a2 -e0 -o 0,1.2,2.2 "$T/cost1" "$T/cost2" |
	   awk '($1 == "xrevrange" || $1 == "hscan") && $3 > $2 { print $1, $2, "->", $3 }')" ""
expect "one digest of the day in the outbox" \
	"$(rcli eval "local n = 0
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  for i = 1, #e[2], 2 do
    if e[2][i] == 'event' and e[2][i + 1] == 'digest' then n = n + 1 end
  end
end
return n" 1 '{mash}:outbox')" 1
# A failover that lost the date's claim (the new master never had it):
# once mashd is connected again it asks whether the digest was sent, and
# sends it, where it went on believing what it saw before.
rcli del "$sent_key" > /dev/null
rcli client kill type normal > /dev/null
wait_for 30 "[ \"\$(rcli exists '$sent_key')\" = 1 ]"
expect "a digest whose claim Redis lost is sent again once mashd is back" "$?" 0
finish
