#!/bin/sh
# High availability on Redis Sentinel (mashd(8), HIGH AVAILABILITY): a
# private replica set of one master, two replicas and three sentinels on
# loopback ports (lib_ha.sh), and mashd with redis.replicas_ack = 1.
# Referrals flow and the master is killed (-9): mashd follows the
# sentinels to the new master without a restart and serves again within
# two seconds of their failover; every referral it acknowledged, before
# or after the kill, is on the new master whole, with its timers. Then
# timers fall due while the master is killed again: each fires once and
# none early, and an alert delivered twice keeps its Message-ID. Last,
# replicas that do not confirm a change: the answer says so, with the
# key that recovers it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ha.sh"
recording_sendmail
# Monday 10:00 (UTC; London's winter time): the hub is open. The nodes
# run on the test's clock, by which timers fire.
at "2026-03-02 10:00:00"
start_ha
REDIS_AT=$(ha_redis_conf)
REDIS_CONF="replicas_ack = 1; timeout = 2;"
mkdir -p "$T/spool"
write_conf "
spool = { dir = \"$T/spool\"; poll_ms = 200; };
alerts = { sendmail = \"$T/sendmail\"; retry = { first = 1; max = 2; };
  claim_idle = 5; timeout = 2; };
recipients = { navigators = [ \"navigators@hub.example\" ];
  supervisors = [ \"supervisors@hub.example\" ];
  first_response = [ \"first-response@hub.example\" ]; };"

# mcli ARGS...: redis-cli on the master the sentinels name now.
mcli() {
	ncli "$(node_of "$(master_port)")" "$@"
}

# flow NAME: POST red.json, each with its own Idempotency-Key NAME-N, one
# after the other until $T/stop-NAME exists; "N CODE ID-OR-OUTCOME" per
# answer in $T/flow-NAME.log.
flow() {
	_i=0
	while [ ! -f "$T/stop-$1" ] && [ $_i -lt 1000 ]; do
		_i=$((_i + 1))
		_c=$(curl -s -m 10 -o "$T/flow-$1.body" -w '%{http_code}' \
			-X POST -H "Authorization: Bearer $WEB_TOKEN" \
			-H 'Content-Type: application/json' \
			-H "Idempotency-Key: $1-$_i" \
			--data-binary @"$FIX/red.json" "$URL/v1/referrals")
		echo "$_i $_c $(jq -r '.id // .outcome // "-"' \
			"$T/flow-$1.body" 2>/dev/null)" >> "$T/flow-$1.log"
		sleep 0.05
	done
}

# acked NAME: the references answered 201 in flow NAME, one a line.
acked() {
	awk '$2 == 201 { print $3 }' "$T/flow-$1.log"
}

# resend NAME: each request of flow NAME answered 503 "unknown" is sent
# again with its key, as a partner's system recovers; the codes and ids
# land in flow-NAME.log as "N CODE ID" lines, so acked() counts them.
resend() {
	awk '$2 == 503 && $3 == "unknown" { print $1 }' "$T/flow-$1.log" |
	while read -r _n; do
		_c=$(curl -s -m 10 -o "$T/resend.body" -w '%{http_code}' \
			-X POST -H "Authorization: Bearer $WEB_TOKEN" \
			-H 'Content-Type: application/json' \
			-H "Idempotency-Key: $1-$_n" \
			--data-binary @"$FIX/red.json" "$URL/v1/referrals")
		echo "$_n $_c $(jq -r '.id // .outcome // "-"' "$T/resend.body")"
	done >> "$T/flow-$1.log"
}

# WHOLE: of the referrals named in ARGV, those not whole on this node:
# the record, its status, rating and reference, in the queue, and each
# statutory timer (decision, escalation, screening) with its due time,
# scheduled in the due set unless it fired.
WHOLE="
local p, bad = '{mash}:', {}
for _, id in ipairs(ARGV) do
  local k = p .. 'ref:' .. id
  local h = redis.call('HMGET', k, 'id', 'status', 'brag', 'record')
  local ok, rec = pcall(cjson.decode, h[4] or '')
  local why
  if h[1] ~= id then why = 'missing'
  elseif not ok or rec.child.last_name ~= 'Thistlewood-Okonkwo' then
    why = 'record'
  elseif h[3] ~= 'red' or not h[2] then why = 'status or rating'
  elseif not redis.call('ZSCORE', p .. 'queue', id) then why = 'queue'
  else
    for _, t in ipairs({'decision', 'escalation', 'screening'}) do
      local due = redis.call('HGET', k, 'due:' .. t)
      local z = redis.call('ZSCORE', p .. 'due', id .. ':' .. t)
      if not due then why = 'no ' .. t
      elseif not redis.call('HGET', k, 'fired:' .. t) and
             tonumber(z) ~= tonumber(due) then why = t .. ' not scheduled'
      end
    end
  end
  if why then bad[#bad + 1] = id .. ': ' .. why end
end
return bad"

# FIRED: for each referral of ARGV, its screening timer: how many times
# it fired (audit events), and whether it fired early. One line of
# trouble per referral, none when all is well.
FIRED="
local p, bad = '{mash}:', {}
for _, id in ipairs(ARGV) do
  local k = p .. 'ref:' .. id
  local n = 0
  for _, eid in ipairs(redis.call('LRANGE', k .. ':audit', 0, -1)) do
    local e = redis.call('XRANGE', p .. 'events', eid, eid)[1]
    if e then
      local f = {}
      for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
      if f.action == 'fire' and
         string.find(f.detail or '', 'timer=screening', 1, true) then
        n = n + 1
      end
    end
  end
  local due = tonumber(redis.call('HGET', k, 'due:screening'))
  local fired = tonumber(redis.call('HGET', k, 'fired:screening'))
  if n ~= 1 then bad[#bad + 1] = id .. ' fired ' .. n .. ' times'
  elseif not fired or fired < due then bad[#bad + 1] = id .. ' early' end
end
return bad"

start_mashd
wait_for 15 curl -sf "$URL/healthz"
expect "mashd reaches the master the sentinels name" \
	"$(ctl status --json | jq -r '[.redis_master, .replicas_ack] | join(" ")')" \
	"127.0.0.1:$(node_port 0) 1"

# A watcher of the queue (mashctl queue --watch) across the failover.
(printf '{"v":1,"cmd":"watch"}\n'; sleep 60) |
	socat - UNIX-CONNECT:"$T/mashd.sock" > "$T/notices" 2>/dev/null &
WATCHER=$!
wait_for 10 "grep -q '\"live\":true' '$T/notices'"
expect "a watcher's notices flow from the master" "$?" 0

# ---- referrals flow; the master is killed ------------------------------
flow a &
FLOW=$!
wait_for 15 '[ "$(acked a | grep -c .)" -ge 10 ]'
expect "referrals flow, each confirmed by a replica" "$?" 0
n0=$(switches)
old=$(master_port)
stop_node "$(node_of "$old")" KILL
wait_for 30 '[ "$(switches)" -gt "$n0" ]'
expect "the sentinels fail over" "$?" 0
# One sentinel's log says so first; the one master_port asks may learn
# it a moment later (under ASan it named the killed master once).
wait_for 10 '[ "$(master_port)" != "$old" ]'
new=$(master_port)
expect_match "to a replica" "$new" "^($(node_port 1)|$(node_port 2))\$"
wait_for 2 '[ "$(post "$FIX/green.json")" = 201 ]'
expect "mashd serves again within 2 s of the failover" "$?" 0
expect "without a restart" "$(kill -0 "$MASHD_PID" && echo alive)" alive
wait_for 10 "grep -q 'queue notices flow from 127.0.0.1:$new' '$T/mashd.log'"
expect "queue notices follow: subscribed on the new master" "$?" 0
post "$FIX/blue.json" > /dev/null
_id=$(jq -r .id "$T/body")
wait_for 10 "grep -qF '{\"changed\":\"$_id\"}' '$T/notices'"
expect "a change after the failover reaches the watcher" "$?" 0
kill "$WATCHER" 2>/dev/null
before=$(acked a | grep -c .)
wait_for 30 '[ "$(acked a | grep -c .)" -ge $((before + 5)) ]'
expect "referrals flow on the new master" "$?" 0
touch "$T/stop-a"
wait "$FLOW"
resend a
expect "every answer was 201 or 503 (none lost in between)" \
	"$(awk '$2 != 201 && $2 != 503' "$T/flow-a.log" | head -3)" ""
expect "a 503 during the failover is resent with its key and stored" \
	"$(awk '$2 == 503 && $3 != "unknown" && $3 != "not_stored"' "$T/flow-a.log" | head -3)" ""
acked a | sort -u > "$T/acked"
expect "each acknowledged referral once: one reference per key" \
	"$(awk '$2 == 201 { print $1 }' "$T/flow-a.log" | sort | uniq -d | head -3)" ""
# shellcheck disable=SC2046
expect "every referral acknowledged is on the new master, whole, with its timers" \
	"$(mcli eval "$WHOLE" 0 $(cat "$T/acked") | head -5)" ""
for k in $(mcli --scan --pattern '{mash}:ref:*' | grep -v ':audit$'); do
	[ "$(mcli hget "$k" brag)" = red ] && echo "${k#\{mash\}:ref:}"
done | sort > "$T/stored"
expect "and no other Red referral was stored" "$(comm -3 "$T/acked" "$T/stored" | head -3)" ""
# (A loaded machine may see a second failover, the new master too slow
# for the sentinels: what follows asks them which is the master now.)
new=$(master_port)
expect "mashctl status: the master in use, a failover seen" \
	"$(ctl status --json | jq -r '[.redis_master, .failovers > 0] | join(" ")')" \
	"127.0.0.1:$new true"
expect_match "mashctl status: a replica confirmed the last change" \
	"$(ctl status)" 'replicas +[12] confirmed the last change; 1 required'
curl -s "$URL/metrics" > "$T/metrics"
expect_match "/metrics: the master in use and the failover" \
	"$(grep -E '^mashd_redis_(master_info|failovers_total)' "$T/metrics" | tr '\n' ' ')" \
	"master_info\\{address=\"127.0.0.1:$new\"\\} 1 mashd_redis_failovers_total [1-9]"
expect_match "the failover is logged" "$(cat "$T/mashd.log")" \
	"redis_failover.*the master is now 127.0.0.1:$new"

# ---- timers fall due across a second failover ---------------------------
# The killed node comes back as a replica of the new master, so that two
# replicas are there again; mashd runs on at 13:59:56, and the Red
# referrals' screening timers (4 hours) fall due within seconds.
stop_mashd TERM
start_node "$(node_of "$old")" "$new"
wait_for 30 '[ "$(replicas_online "$(node_of "$new")")" = 2 ]'
expect "the old master is back as a replica" "$?" 0
at "2026-03-02 13:59:56"
ha_settle
start_mashd
wait_for 15 curl -sf "$URL/healthz"
wait_for 15 '[ "$(mcli hget "{mash}:ref:$(head -1 "$T/acked")" fired:screening)" != "" ]'
expect "timers fire" "$?" 0
# A reload that names Redis another way changes nothing until a restart
# (mashd.conf(5)): mashd follows the sentinels it started with.
sed -i "s|^redis = {.*|redis = { socket = \"$T/none.sock\"; $REDIS_CONF };|" "$T/mashd.conf"
kill -HUP "$MASHD_PID"
wait_for 5 "grep -q 'reload: .* read again' '$T/mashd.log'"
n1=$(switches)
old=$(master_port)
stop_node "$(node_of "$old")" KILL
wait_for 30 '[ "$(switches)" -gt "$n1" ]'
expect "the sentinels fail over again, while timers fall due" "$?" 0
wait_for 10 '[ "$(master_port)" != "$old" ]'
# shellcheck disable=SC2046
wait_for 30 '[ -z "$(mcli eval "$FIRED" 0 $(cat "$T/acked") 2>&1)" ]'
expect "mashd followed the sentinels it started with, not the reload" \
	"$(ctl status --json | jq -r .redis_master)" "127.0.0.1:$(master_port)"
# shellcheck disable=SC2046
expect "every due timer fired exactly once, none early" \
	"$(mcli eval "$FIRED" 0 $(cat "$T/acked") | head -5)" ""

# At least once: every acknowledgement is delivered; an alert delivered
# twice (its record lost with the master) keeps its Message-ID.
wait_for 60 "[ \$(nmails h.okafor-lyle 'referral received') -ge $(grep -c . "$T/acked") ]"
for f in "$T"/mail/*.eml; do
	printf '%s|%s\t%s\n' "$(grep -m1 '^To:' "$f")" \
		"$(grep -m1 '^Subject:' "$f")" "$(grep -m1 -i '^Message-ID:' "$f")"
done | sort -u > "$T/msgids"
expect "every acknowledged referral's referrer was told, at least once" \
	"$(for r in $(cat "$T/acked"); do grep -q "\\[$r\\] " "$T/msgids" || echo "$r"; done | head -3)" ""
expect "an alert delivered twice has one Message-ID" \
	"$(cut -f1 "$T/msgids" | uniq -d | head -3)" ""

# ---- replicas that do not confirm --------------------------------------
# Both replicas stopped: the master takes a change (min-replicas-max-lag
# has not passed), but WAIT hears from none within redis.timeout.
m=$(node_of "$(master_port)")
for n in $HA_NODES; do
	[ "$n" != "$m" ] && [ -n "$(node_pid "$n")" ] && kill -STOP "$(node_pid "$n")"
done
code=$(post "$FIX/amber.json" "$WEB_TOKEN" -H 'Idempotency-Key: unconfirmed-1')
expect "a referral no replica confirmed: 503" "$code" 503
expect "outcome unknown, with its key" "$(jbody '[.outcome, .idempotency_key] | join(" ")')" \
	"unknown unconfirmed-1"
expect_match "saying the master has it but its replicas did not confirm" \
	"$(jbody .error)" "master .*has the referral.*replicas did not confirm"
ctl claim "$(head -1 "$T/acked")" > /dev/null 2> "$T/err"
expect_match "a mashctl change says it is stored on the master, not confirmed replicated" \
	"$(cat "$T/err")" "stored on the redis master but not confirmed replicated"
# A mail of the gateway: not confirmed, it stays in new/ to be taken again.
M=1795860000.M1P4242.gateway.hub.example
cp "$FIX/mail/json-attachment.eml" "$T/spool/tmp/$M" && mv "$T/spool/tmp/$M" "$T/spool/new/$M"
wait_for 15 "grep -q 'spool: .* stays in new/: .*not confirm' '$T/mashd.log'"
expect "an unconfirmed mail stays in new/" \
	"$(ls "$T/spool/new" "$T/spool/cur" | grep -c "^$M")" 1
expect "in new/" "$(ls "$T/spool/new")" "$M"
for n in $HA_NODES; do
	[ "$n" != "$m" ] && [ -n "$(node_pid "$n")" ] && kill -CONT "$(node_pid "$n")"
done
wait_for 10 '[ "$(post "$FIX/amber.json" "$WEB_TOKEN" -H "Idempotency-Key: unconfirmed-1")" = 201 ]'
expect "sent again with its key once the replicas are back: 201" "$?" 0
expect "stored once" "$(mcli --scan --pattern '{mash}:idem:*unconfirmed-1' | grep -c .)" 1
wait_for 15 "ls '$T/spool/cur' | grep -q '^$M'"
expect "the mail is taken once the replicas are back" "$?" 0
expect "and stored once" "$(mcli --scan --pattern '{mash}:idem:*mail-*' | grep -c .)" 1
finish
