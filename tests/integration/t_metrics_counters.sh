#!/bin/sh
# t_metrics_counters: GET /metrics reads counters the scripts keep as they
# change things, so a scrape costs the same with 5 referrals or 25 and
# reads no referral and no stream; every figure equals what counting the
# store itself gives (a scan of the queue's referrals and of the whole
# audit stream, as mashd did on each scrape before), after a history of
# submits, re-rating, claims, decisions, timers fired on a restart,
# alerts sent, dead and retried, call-backs and a quarantine; a store
# without counters (an older mashd's) is counted once. metrics.token:
# without it or with a wrong one, 401; with it, 200.
. "$(dirname "$0")/lib.sh"
SP=$T/spool
mkdir -p "$SP"
recording_sendmail

# scan: the figures by reading every queued referral and every audit
# event (the old metrics.lua's rules), one "sample value" a line.
scan() {
	rcli eval "
local p = '{mash}:'
local out = {}
local timers = {'decision', 'escalation', 'written', 'screening'}
local od = {0, 0, 0, 0}
for _, id in ipairs(redis.call('ZRANGE', p .. 'queue', 0, -1)) do
  for i, t in ipairs(timers) do
    local k = p .. 'ref:' .. id
    if redis.call('HGET', k, 'fired:' .. t) and
       not redis.call('HGET', k, 'stopped:' .. t) then od[i] = od[i] + 1 end
  end
end
for i, t in ipairs(timers) do
  out[#out + 1] = 'mashd_overdue_referrals{timer=\"' .. t .. '\"} ' .. od[i]
end
local c = {}
for _, k in ipairs({'channel=\"web\"', 'channel=\"partner\"',
                    'channel=\"phone\"', 'channel=\"email\"'}) do
  c['mashd_referrals_taken_total{' .. k .. '}'] = 0
end
for _, t in ipairs({'decision', 'escalation', 'written', 'screening',
                    'decision_warning'}) do
  c['mashd_timers_fired_total{timer=\"' .. t .. '\"}'] = 0
end
for _, s in ipairs({'sent', 'callback', 'requeued'}) do
  c['mashd_alerts{state=\"' .. s .. '\"}'] = 0
end
for _, e in ipairs(redis.call('XRANGE', p .. 'events', '-', '+')) do
  local f = {}
  for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
  local d, k = f.detail or '', nil
  if f.action == 'submit' then
    k = 'mashd_referrals_taken_total{channel=\"' .. d:match('channel=(%S+)') .. '\"}'
  elseif f.action == 'fire' then
    k = 'mashd_timers_fired_total{timer=\"' .. d:match('timer=(%S+)') .. '\"}'
  elseif f.action == 'alert' and d:match('state=sent') then
    k = 'mashd_alerts{state=\"sent\"}'
  elseif f.action == 'alert' and d:match('state=callback') then
    k = 'mashd_alerts{state=\"callback\"}'
  elseif f.action == 'alert_retry' then
    k = 'mashd_alerts{state=\"requeued\"}'
  end
  if k then c[k] = (c[k] or 0) + 1 end
end
for k, n in pairs(c) do out[#out + 1] = k .. ' ' .. n end
table.sort(out)
return out" 0
}
scrape() {
	curl -s -o "$T/metrics" ${1:+-H "Authorization: Bearer $1"} "$URL/metrics"
	grep -v '^#' "$T/metrics" > "$T/samples"
}
m() { awk -v k="$1" '$1 == k { print $2 }' "$T/samples"; }
# same WHEN: every figure of the scan, one by one, in the scrape.
same() {
	scan > "$T/scan"
	scrape
	_bad=
	while read -r _k _v; do
		[ "$(m "$_k")" = "$_v" ] || _bad="$_bad $_k=$(m "$_k")(scan $_v)"
	done < "$T/scan"
	if [ -s "$T/scan" ] && [ -z "$_bad" ]; then
		ok "$1: every figure as the scan counts it ($(wc -l < "$T/scan"))"
	else
		not_ok "$1: every figure as the scan counts it" "$_bad"
	fi
}
settled() { # no alert waiting to be delivered
	scrape
	[ "$(m 'mashd_alerts{state="pending"}')" = 0 ]
}
ref() { printf 'MASH-2026-%06d' "$1"; }

write_conf "
spool = { dir = \"$SP\"; poll_ms = 200; };
alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\";
  retry = { first = 1; max = 1; attempts = 2; }; };
recipients = { navigators = [ \"navigators@hub.example\" ];
  supervisors = [ \"supervisors@hub.example\" ]; };"
start_redis
at "2026-11-27 15:00:00" # Friday
start_mashd

# --- a history -------------------------------------------------------------
post "$FIX/red.json" > /dev/null
post "$FIX/amber.json" "$POLICE_TOKEN" > /dev/null
post "$FIX/green.json" > /dev/null
post "$FIX/blue.json" > /dev/null
ctl referral new --file "$FIX/phone.json" > /dev/null
printf 'From: a@example.org\nSubject: x\n\nnothing\n' > "$SP/tmp/bad" &&
	mv "$SP/tmp/bad" "$SP/new/1795860000.M1P1.gateway"
wait_for 10 "[ -e '$SP/quarantine/1795860000.M1P1.gateway' ]"
ctl claim "$(ref 1)" > /dev/null
ctl rate "$(ref 3)" amber --reason "school adds more" > /dev/null
ctl decide "$(ref 4)" nfa --reason "signposted" > /dev/null
wait_for 20 settled
same "after submits, a quarantine, a claim, a re-rating, a decision"

# Mail fails: alerts go dead; one is retried once it works again.
touch "$T/sendmail.fail"
post "$FIX/amber.json" > /dev/null
wait_for 30 "settled && [ \$(ctl alerts --state dead --json | jq length) -ge 1 ]"
expect "alerts went dead" "$?" 0
rm -f "$T/sendmail.fail"
dead=$(ctl alerts --state dead --json | jq -r '.[0].id')
ctl alerts retry "$dead" > /dev/null
wait_for 20 settled
same "after dead letters and a retry"
expect "with a dead letter and a requeued one counted" \
	"$(m 'mashd_alerts{state="requeued"}') $([ "$(m 'mashd_alerts{state="dead"}')" -ge 1 ] && echo dead)" \
	"1 dead"

# Thursday 3 December, noon: mashd was away; its timers fire on start.
stop_mashd
at "2026-12-03 12:00:00"
start_mashd
wait_for 20 "fired $(ref 5) written"
wait_for 20 settled
same "after a restart and timers fired late"
expect "every open referral's decision is overdue" \
	"$(m 'mashd_overdue_referrals{timer="decision"}')" 5
ctl confirm "$(ref 5)" > /dev/null
ctl decide "$(ref 1)" s47 --reason "strategy meeting" > /dev/null
ctl rate "$(ref 2)" red --reason "new information" > /dev/null
wait_for 20 settled
same "after a confirmation, a decision and a re-rating of overdue referrals"
expect "overdue: one decided, one confirmed, one's screening restarted" \
	"$(m 'mashd_overdue_referrals{timer="decision"}') $(m 'mashd_overdue_referrals{timer="written"}')" \
	"4 0"

# --- a scrape is O(1) --------------------------------------------------------
# cost: the commands 20 scrapes run in Redis (their own and their
# scripts'), "command calls" a line; mashd's own background work (timers,
# durability checks) adds a few, never one a scrape.
cost() {
	wait_for 20 settled
	rcli config resetstat > /dev/null
	_i=0
	while [ $_i -lt 20 ]; do scrape; _i=$((_i + 1)); done
	rcli info commandstats | tr -d '\r' | grep '^cmdstat_' |
		sed 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\),.*/\1 \2/' | sort
}
cost > "$T/cost1"
expect "a scrape reads no referral and scans nothing (SCAN, KEYS, ZRANGE, HMGET, HGET, XRANGE: not once a scrape)" \
	"$(awk '$1 ~ /^(scan|keys|zrange|hmget|hget|xrange|xrevrange)$/ && $2 >= 20' "$T/cost1")" ""
i=0
while [ $i -lt 20 ]; do post "$FIX/green.json" > /dev/null; i=$((i + 1)); done
cost > "$T/cost2"
# Command by command: a scrape that did one more command for each
# referral would add 20 x 20 of it; mashd's background work between the
# two sets of scrapes (an alert_take or two: its EVALSHA and the commands
# inside it) adds a few, which a sum of every command could not tell from
# a scrape's own (under valgrind it once came to exactly 20).
expect "20 referrals more: no command runs more a scrape (none of them 20 more in 20 scrapes)" \
	"$(join -a2 -e0 -o 0,1.2,2.2 "$T/cost1" "$T/cost2" |
	   awk '$3 - $2 >= 20 { print $1, $2, "->", $3 }')" ""
same "after 20 more"

# --- a store without counters (an older mashd's) is counted once ----------
rcli del '{mash}:stats' '{mash}:overdue' > /dev/null
same "a store with no counters, counted at the first scrape"
ctl decide "$(ref 2)" s17 --reason "assessment" > /dev/null
wait_for 20 settled
same "and counted as things change from then on"
# An older mashd's stats: its counts of the events up to its cursor, the
# 40th event here; those after it, and the overdue referrals, uncounted.
rcli del '{mash}:stats' '{mash}:overdue' > /dev/null
rcli eval "
local e = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 40)
local add = {}
for _, x in ipairs(e) do
  local f = {}
  for i = 1, #x[2], 2 do f[x[2][i]] = x[2][i + 1] end
  local d, k = f.detail or '', nil
  if f.action == 'submit' then k = 'taken:' .. d:match('channel=(%S+)')
  elseif f.action == 'fire' then k = 'fired:' .. d:match('timer=(%S+)')
  elseif f.action == 'alert' and d:match('state=sent') then k = 'alerts:sent'
  elseif f.action == 'alert_retry' then k = 'alerts:requeued' end
  if k then add[k] = (add[k] or 0) + 1 end
end
for k, n in pairs(add) do redis.call('HINCRBY', KEYS[2], k, n) end
redis.call('HSET', KEYS[2], 'cursor', e[#e][1])
return #e" 2 '{mash}:events' '{mash}:stats' > /dev/null
post "$FIX/red.json" > /dev/null
wait_for 20 settled
same "a store an older mashd counted to its cursor, then the new one"

# --- metrics.token -----------------------------------------------------------
stop_mashd
cp "$T/mashd.conf" "$T/mashd.conf.notoken"
echo 'metrics = { token = "metrics-scraper-token-0123"; };' >> "$T/mashd.conf"
start_mashd
code() { curl -s -o /dev/null -w '%{http_code}' "$@" "$URL/metrics"; }
expect "no token: 401" "$(code)" 401
expect_match "saying so" "$(curl -s -D - -o /dev/null "$URL/metrics" | tr -d '\r')" \
	'WWW-Authenticate: Bearer realm="mashd"'
expect "a wrong token: 401" "$(code -H 'Authorization: Bearer metrics-scraper-token-0124')" 401
expect "a client's token: 401" "$(code -H "Authorization: Bearer $WEB_TOKEN")" 401
expect "the token: 200" "$(code -H 'Authorization: Bearer metrics-scraper-token-0123')" 200
scrape metrics-scraper-token-0123
expect "with the figures" "$(m 'mashd_referrals_taken_total{channel="partner"}')" 1
expect "POST: 405 still" "$(code -X POST)" 405
echo 'metrics = { token = "short"; };' >> "$T/mashd.conf.notoken"
"$MASHD" -n -c "$T/mashd.conf.notoken" > /dev/null 2> "$T/err"
expect "a short metrics.token is refused" "$?" 1
expect_match "naming the key" "$(cat "$T/err")" 'metrics.token.*at least 16 characters'
finish
