#!/bin/sh
# t_service_signals: the signals a service manager sends.
# SIGHUP with a good configuration takes it (a new client can submit) and
# drops no connection; with a bad one (a syntax error, an unknown key) it
# logs why and the running configuration goes on. SIGTERM with requests in
# flight: mashd stops accepting at once, answers every request it had,
# stores each referral whole, and exits 0 well within TimeoutStopSec.
. "$(dirname "$0")/lib.sh"

NEW_TOKEN=test-new-partner-token-0123456789

start_redis
start_mashd

# http_pair FILE: two GETs of /healthz on one connection, a second apart;
# the answers' status lines go to FILE.
http_pair() {
	(printf 'GET /healthz HTTP/1.1\r\nHost: mashd\r\n\r\n'
	 sleep 1.5
	 printf 'GET /healthz HTTP/1.1\r\nHost: mashd\r\nConnection: close\r\n\r\n'
	 sleep 1) | socat -t 3 - "TCP:127.0.0.1:$PORT" 2>/dev/null |
		grep -a '^HTTP/1.1' > "$1"
}
# ctl_pair FILE: two status requests on one control connection.
ctl_pair() {
	(echo '{"v":1,"cmd":"status"}'; sleep 1.5; echo '{"v":1,"cmd":"status"}'
	 sleep 1) | socat -t 3 - "UNIX-CONNECT:$T/mashd.sock" 2>/dev/null |
		grep -c '"ok":true' > "$1"
}
# conf_clients [CLIENT]: the test's configuration, with one more client.
conf_clients() {
	cat > "$T/mashd.conf" <<EOC
redis = { socket = "$T/redis.sock"; };
http = { address = "127.0.0.1"; port = 0; };
control = { socket = "$T/mashd.sock"; };
calendar = { holidays_file = "$TOP/conf/bank-holidays.json"; };
clients = (
  { name = "web-form"; token = "$WEB_TOKEN"; channel = "web"; },
  { name = "county-police"; token = "$POLICE_TOKEN"; channel = "partner"; }${1:+,
  $1}
);
EOC
}
# The referrals Redis holds, by id.
refs() {
	rcli --scan --pattern '{mash}:ref:*' |
		grep -Eo 'MASH-[0-9]{4}-[0-9]{6}$' | sort
}
reloads() {
	grep -c "$1" "$T/mashd.log"
}

# --- SIGHUP, a good configuration: a new client, connections kept.
http_pair "$T/http1" &
hp=$!
ctl_pair "$T/ctl1" &
cp=$!
sleep 0.5
conf_clients "{ name = \"health\"; token = \"$NEW_TOKEN\"; channel = \"partner\"; }"
kill -HUP "$MASHD_PID"
wait_for 10 "[ \$(reloads 'read again') -ge 1 ]"
wait $hp $cp
expect "SIGHUP: a new client's token works at once" \
	"$(post "$FIX/green.json" "$NEW_TOKEN")" 201
expect "the old clients' tokens still work" "$(post "$FIX/blue.json")" 201
expect "an HTTP connection open across the reload is answered twice" \
	"$(tr -d '\r' < "$T/http1" | tr '\n' '|')" \
	"HTTP/1.1 200 OK|HTTP/1.1 200 OK|"
expect "so is a control connection" "$(cat "$T/ctl1")" 2
expect_match "the reload is logged, with its event" \
	"$(grep 'read again' "$T/mashd.log")" \
	'\[mashd@32473 event="reload"\] reload: .*mashd.conf read again'

# --- SIGHUP, a configuration that does not parse: logged, old one runs.
cp "$T/mashd.conf" "$T/good.conf"
printf 'http = { port = ; };\n' >> "$T/mashd.conf"
kill -HUP "$MASHD_PID"
wait_for 10 "[ \$(reloads 'keeping the running configuration') -ge 1 ]"
expect_match "a syntax error is logged with file and line" \
	"$(grep 'keeping the running' "$T/mashd.log" | tail -1)" \
	'event="reload_failed"\] reload: .*mashd.conf:[0-9]+: .*; keeping the running configuration'
expect "mashd runs on" "$(curl -s "$URL/healthz")" '{"status":"ok"}'
expect "with the configuration it had: the new client still works" \
	"$(post "$FIX/green.json" "$NEW_TOKEN")" 201

# An unknown key: the same.
cp "$T/good.conf" "$T/mashd.conf"
printf 'htpp = { port = 8080; };\n' >> "$T/mashd.conf"
kill -HUP "$MASHD_PID"
wait_for 10 "[ \$(reloads 'keeping the running configuration') -ge 2 ]"
expect_match "an unknown key is logged, named" \
	"$(grep 'keeping the running' "$T/mashd.log" | tail -1)" \
	'htpp: unknown key; keeping the running configuration'
expect "and the running configuration goes on" \
	"$(post "$FIX/amber.json" "$NEW_TOKEN")" 201

# And a good one again is taken: the new client is gone.
conf_clients
kill -HUP "$MASHD_PID"
wait_for 10 "[ \$(reloads 'read again') -ge 2 ]"
expect "a client removed by a reload is refused" \
	"$(post "$FIX/green.json" "$NEW_TOKEN")" 401

# --- SIGTERM with requests in flight.
# Redis holds every command for 4 seconds: the referrals sent now wait in
# mashd, acknowledged to nobody, when SIGTERM comes.
before=$(refs | wc -l)
NOTED=$(refs | head -1)
# A connection opened before the stop, used after it.
(printf 'GET /healthz HTTP/1.1\r\nHost: mashd\r\n\r\n'
 sleep 2.5
 printf 'GET /healthz HTTP/1.1\r\nHost: mashd\r\n\r\n'
 sleep 3) | socat -t 5 - "TCP:127.0.0.1:$PORT" 2>/dev/null |
	tr -d '\r' > "$T/keepalive" &
kp=$!
sleep 0.5
rcli client pause 4000 all > /dev/null
N=6
i=0
pids=
while [ $i -lt $N ]; do
	i=$((i + 1))
	curl -s -o "$T/body.$i" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $WEB_TOKEN" \
		-H 'Content-Type: application/json' \
		--data-binary @"$FIX/red.json" "$URL/v1/referrals" \
		> "$T/code.$i" 2>/dev/null &
	pids="$pids $!"
done
# And a navigator's note over the control socket.
ctl note "$NOTED" 'Checked with the school' --json > "$T/ctl.out" 2>&1 &
pids="$pids $!"
sleep 1.5
t0=$(date +%s)
kill -TERM "$MASHD_PID"
sleep 0.3
curl -s -o /dev/null "$URL/healthz"
expect "after SIGTERM a new connection is refused at once (curl: 7)" "$?" 7
wait "$MASHD_PID"
rc=$?
t1=$(date +%s)
MASHD_PID=
wait $pids $kp
expect "mashd exits 0 once it has answered" "$rc" 0
if [ $((t1 - t0)) -le 8 ]; then
	ok "within $((t1 - t0))s of SIGTERM (TimeoutStopSec=45s)"
else
	not_ok "exits soon after SIGTERM" "took $((t1 - t0))s"
fi
expect_match "it stopped with every request in flight" \
	"$(grep 'stopping;' "$T/mashd.log")" \
	"event=\"stop\"\\] signal 15: stopping; $((N + 1)) request\\(s\\) in flight, $N repl\\(ies\\) not yet sent"
expect "none was left unanswered" "$(grep -c unanswered "$T/mashd.log")" 0
expect "the control socket's request in flight got its answer" \
	"$(jq -r .ok "$T/ctl.out")" true
expect "and its note is recorded once" "$(events "$NOTED" note | wc -l)" 1
codes=$(cat "$T"/code.* | tr -d '\n')
expect "every request in flight got its 201" "$codes" \
	"$(printf '201%.0s' $(seq $N))"
ids=$(cat "$T"/body.* | jq -r .id | sort | tr '\n' ' ')
expect "none lost: Redis holds exactly the referrals acknowledged" \
	"$(refs | tail -n $N | tr '\n' ' ')" "$ids"
expect "and no other" "$(refs | wc -l)" $((before + N))
whole=0
for id in $ids; do
	[ "$(rcli zscore '{mash}:queue' "$id")" != "" ] &&
		[ "$(events "$id" submit | wc -l)" -eq 1 ] &&
		[ "$(rcli hget "{mash}:ref:$id" due:decision)" != "" ] &&
		whole=$((whole + 1))
done
expect "none half-done: each is queued, timed and audited once" "$whole" $N
expect "the keep-alive connection's second request: 503, Connection: close" \
	"$(grep -E '^(HTTP/1.1|Connection:)' "$T/keepalive" | tr '\n' '|')" \
	"HTTP/1.1 200 OK|HTTP/1.1 503 Service Unavailable|Connection: close|"

# A SIGTERM with nothing in flight: at once.
start_mashd
t0=$(date +%s)
stop_mashd TERM
expect "an idle mashd stops at once" "$(($(date +%s) - t0 <= 2))" 1

finish
