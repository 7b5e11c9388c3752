#!/bin/sh
# Cluster-correct scripts (mashd(8), HIGH AVAILABILITY): every script call
# declares keys in KEYS (numkeys > 0), and every key a script touches,
# declared or named by data it read, carries the hub's hash tag, so all
# are in one slot. Watched with MONITOR while referrals go through their
# life: taken, shown, claimed, noted, re-rated, decided, alerted, timed.
. "$(dirname "$0")/lib.sh"
recording_sendmail
write_conf "
alerts = { sendmail = \"$T/sendmail\"; retry = { first = 1; max = 2; }; };
recipients = { navigators = [ \"navigators@hub.example\" ];
  supervisors = [ \"supervisors@hub.example\" ];
  first_response = [ \"first-response@hub.example\" ]; };
repeat = { secret = \"repeat-secret-0123456789\"; };"
start_redis
redis-cli -s "$T/redis.sock" monitor > "$T/monitor" 2> /dev/null &
MON=$!
# Monday 13:59:50: Red referrals' screening (4 hours) falls due at once
# when mashd runs on from 17:59:58.
at "2026-03-02 13:59:50"
start_mashd
expect "a Red referral" "$(post "$FIX/red.json")" 201
R=$(jbody .id)
expect "the same child again (a repeat)" "$(post "$FIX/red.json")" 201
ctl referral new --file "$FIX/phone.json" > /dev/null
expect "a telephone referral" "$?" 0
P=$(ctl queue --json | jq -r '.[] | select(.channel == "phone") | .id')
ctl show "$R" > /dev/null
ctl claim "$R" > /dev/null
ctl note "$R" "called the school" > /dev/null
ctl rate "$R" amber --reason "seen by a nurse today" > /dev/null
ctl history "$R" > /dev/null
ctl confirm "$P" > /dev/null
ctl decide "$R" s17 --reason "child in need" > /dev/null
ctl alerts > /dev/null
ctl status > /dev/null
curl -s -H "Authorization: Bearer $WEB_TOKEN" "$URL/v1/referrals/$R" > /dev/null
wait_for 10 "[ \$(nmails navigators 'Red') -ge 1 ]"
stop_mashd TERM
at "2026-03-02 17:59:58"
start_mashd
wait_for 15 "[ -n \"\$(rcli hget '{mash}:ref:$P' fired:screening)\" ]" ||
	wait_for 15 "[ -n \"\$(rcli hget '{mash}:ref:$(ctl queue --json | jq -r '.[0].id')' fired:screening)\" ]"
sleep 1
stop_mashd TERM
kill "$MON"
wait "$MON" 2>/dev/null

# Each EVALSHA: numkeys, then its keys.
awk '/ "EVALSHA" / {
	n = 0
	for (i = 1; i <= NF; i++) if ($i == "\"EVALSHA\"") { n = i; break }
	k = $(n + 2); gsub(/"/, "", k); k = k + 0 # a number: "10" <= "9" as text
	printf "%s", k
	for (j = 1; j <= k; j++) printf " %s", $(n + 2 + j)
	printf "\n"
}' "$T/monitor" > "$T/calls"
expect_match "scripts were called" "$(grep -c . "$T/calls")" '^[0-9]{2,}$'
expect "every call declares keys (numkeys > 0)" \
	"$(awk '$1 < 1' "$T/calls" | head -3)" ""
expect "every declared key has the hub's hash tag" \
	"$(awk '{ for (i = 2; i <= NF; i++) if ($i !~ /^"\{mash\}:/) print $i }' "$T/calls" | head -3)" ""

# What the scripts did: each command's key (the first, or the stream
# after STREAMS) has the hub's hash tag, declared or not.
awk '/\[0 lua\]/ {
	c = ""; n = 0
	for (i = 1; i <= NF; i++) if ($i == "lua]") { n = i + 1; break }
	c = toupper($n); gsub(/"/, "", c)
	if (c == "TIME" || c == "PING") next
	k = $(n + 1)
	if (c == "XREADGROUP") for (i = n; i <= NF; i++) if (toupper($i) == "\"STREAMS\"") k = $(i + 1)
	if (c == "XGROUP" || c == "XINFO") k = $(n + 2)
	print c, k
}' "$T/monitor" > "$T/touched"
expect_match "the scripts touched keys" "$(grep -c . "$T/touched")" '^[0-9]{2,}$'
expect "every key a script touched has the hub's hash tag" \
	"$(awk '$2 !~ /^"\{mash\}:/' "$T/touched" | head -3)" ""
expect "mashd logged no undeclared key" \
	"$(grep -c 'not declared in KEYS' "$T/mashd.log")" 0
finish
