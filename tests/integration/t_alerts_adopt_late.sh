#!/bin/sh
# A new referral's alert, claimed by submit.lua, starts at once only while
# a mail started then may still wait and end within the claim: before
# claimed + (claim_idle - timeout) / 2 (alert_claim_ends), as a take's
# waiting mail (here 0.5 s; the whole window, 1 s, before). Redis held up
# 0.7 s (CLIENT PAUSE) just after a take (so that no take is queued
# behind submit.lua: the next comes a second after) makes submit.lua's
# reply come about 0.7 s after its call was sent: past 0.5 s, so the
# alert is not started then but taken again, its claim renewed
# (alert_take's XCLAIM) before it starts.
. "$(dirname "$0")/lib.sh"
hanging_sendmail
mta_conf 3 4 100
start_redis
start_mashd
touch "$T/hang"
# xclaims: how many XCLAIMs Redis has run (alert_take's, in its script).
xclaims() {
	rcli info commandstats | sed -n 's/^cmdstat_xclaim:calls=\([0-9]*\),.*/\1/p'
}
# takes: how many alert_take calls mashd has made since MONITOR began.
takes() {
	grep -c '"EVALSHA" .*"{mash}:outbox" "{mash}:settings"' "$T/monitor"
}
# redis-cli itself, not rcli: $! is then the MONITOR client, which kill ends.
redis-cli -s "$T/redis.sock" monitor > "$T/monitor" &
MON=$!
wait_for 5 "[ \$(takes) -ge 1 ]"
expect "mashd takes alerts (MONITOR sees alert_take)" "$?" 0
n=$(takes)
wait_for 5 "[ \$(takes) -gt $n ]"
expect "and takes again a second later" "$?" 0
before=$(xclaims)
rcli client pause 700 write > /dev/null
expect "posted" "$(post "$FIX/amber.json")" 201
wait_for 5 "[ \$(ls '$T'/mail/in.* 2>/dev/null | wc -l) -ge 1 ]"
expect "its mail is handed to sendmail" "$?" 0
# Under valgrind mashd may take longer than 0.2 s to send the call after
# the pause began: its reply then comes within 0.5 s, and it starts.
if [ -n "${MASHD_WRAP:-}" ]; then
	skip "the claim's renewal: the 0.7 s pause is too short under $MASHD_WRAP"
else
	expect "its claim was renewed (XCLAIM) before it started" \
		"$(($(xclaims) - ${before:-0}))" 1
fi
kill "$MON"
wait "$MON" 2>/dev/null
rm "$T/hang"
kill $(cat "$T/sleepers") 2>/dev/null
finish
