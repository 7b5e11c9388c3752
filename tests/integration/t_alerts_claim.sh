#!/bin/sh
# Two mashd on one Redis deliver each alert once: an attempt renews its
# claim before it starts, and alerts.claim_idle must outlast
# alerts.timeout, so no mashd takes an alert while another is delivering
# it. Each process is its own consumer, and pending alerts past the first
# thousand are delivered too.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/mail" "$T/seen"

# A slow MTA: the first attempt of each message fails after 2 s
# (EX_TEMPFAIL), a later one takes 3.5 s and then records the mail. An
# alert's second attempt begins 2 s (retry.first) after its first ends, so
# it ends some 7.5 s after the first began: a claim not renewed as the
# attempt starts would be idle past claim_idle (6 s) in the middle of it,
# and the other mashd would deliver it too. alerts.timeout (5 s) leaves
# 1.5 s for a slow start (valgrind's, on a loaded machine).
cat > "$T/sendmail" <<EOS
#!/bin/sh
tmp="$T/mail/in.\$\$"
cat > "\$tmp"
id=\$(sed -n 's/^Message-Id: *<\(.*\)>.*/\1/p' "\$tmp" | head -1)
if [ ! -e "$T/seen/\$id" ]; then
	: > "$T/seen/\$id"
	sleep 2
	rm -f "\$tmp"
	exit 75
fi
sleep 3.5
mv "\$tmp" "$T/mail/\$(date +%s%N).\$\$.eml"
EOS
chmod +x "$T/sendmail"

alerts_conf() { # CLAIM_IDLE TIMEOUT
	write_conf "
alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\";
  retry = { first = 2; max = 2; attempts = 5; };
  claim_idle = $1; timeout = $2; };
recipients = { navigators = [ \"navigators@hub.example\" ]; };"
}

# A claim no longer than an attempt is refused, naming both keys: by
# mashd -n, at start, and on reload (which keeps the running one).
alerts_conf 4 4
"$MASHD" -n -c "$T/mashd.conf" > "$T/out" 2>&1
expect "mashd -n refuses claim_idle = timeout" "$?" 1
expect_match "naming both keys" "$(cat "$T/out")" \
	'mashd.conf:[0-9]+: alerts.claim_idle: 4 must be greater than alerts.timeout \(4\)'
write_conf "alerts = { timeout = 200; };"
timeout 10 "$MASHD" -f -c "$T/mashd.conf" 2> "$T/out"
expect "a start with the default claim_idle under timeout is refused" "$?" 1
expect_match "it says why" "$(cat "$T/out")" \
	'alerts.claim_idle \(120, the default\) must be greater than alerts.timeout \(200\)'

alerts_conf 5 4
start_redis
start_mashd
alerts_conf 3 4
kill -HUP "$MASHD_PID"
wait_for 10 "grep -q 'reload: .*alerts.claim_idle: 3 must be greater than alerts.timeout (4)' '$T/mashd.log'"
expect "a reload with claim_idle under timeout is refused" "$?" 0
expect "and mashd runs on" "$(ctl status --json | jq -r .redis)" up
stop_mashd

# Two mashd, the slow MTA, four acknowledgements.
alerts_conf 6 5
start_mashd
sed "s|$T/mashd.sock|$T/b.sock|" "$T/mashd.conf" > "$T/b.conf"
chmod 600 "$T/b.conf"
$MASHD_WRAP "$MASHD" -f -c "$T/b.conf" 2>> "$T/mashd.log" &
PID_B=$!
wait_for 10 test -S "$T/b.sock"
N=4
for i in $(seq $N); do post "$FIX/amber.json" > /dev/null; done
wait_for 10 "rcli xpending '{mash}:outbox' mashd - + 10 | grep -Eq ':($MASHD_PID|$PID_B):[0-9a-f]{16}\$'"
expect "alerts are pending with a consumer named by host, pid and a random part" "$?" 0
sent() { ctl alerts --state sent --json | jq -r '.[].event' | grep -c ack; }
wait_for 40 "[ \$(sent) -eq $N ]"
expect "every acknowledgement is sent" "$(sent)" $N
sleep 6 # longer than an attempt: a second delivery would show now
expect "each is delivered once" "$(ls "$T"/mail/*.eml | wc -l)" $N
expect "one mail per Message-ID" \
	"$(sed -n 's/^Message-Id: //p' "$T"/mail/*.eml | sort -u | wc -l)" $N
# The acknowledgements only: on a working day after the opening, the
# supervisors' digest (to syslog: one attempt) is sent too. An attempt
# may also run out of time on a loaded machine, and a third go.
expect_match "every one failed at least once first" \
	"$(ctl alerts --state sent --json |
		jq -r '[.[] | select(.event == "ack") | .attempts] | unique | join(" ")')" \
	'^[2-5]( [2-5])*$'
expect "each process is a consumer of its own" \
	"$(sed -n 's/.*delivering as consumer //p' "$T/mashd.log" | sort -u | wc -l)" 3
kill "$PID_B"
wait "$PID_B"
expect "the second mashd exits 0" "$?" 0
stop_mashd

# A thousand alerts pending with a mashd that is gone, none due for a long
# time, and behind them one that is due: it is found and delivered.
recording_sendmail
rm -f "$T"/mail/*.eml
for i in $(seq 1000); do
	echo "XADD {mash}:outbox * event repeat ref MASH-2026-900000 brag amber"
done | rcli > "$T/ids"
rcli xadd '{mash}:outbox' '*' event repeat ref MASH-2026-900001 brag amber > /dev/null
rcli xreadgroup group mashd gone count 2000 streams '{mash}:outbox' '>' > /dev/null
while read -r id; do
	echo "HSET {mash}:alert:$id state pending attempts 1 next_at 99999999999999"
done < "$T/ids" | rcli > /dev/null
rcli xpending '{mash}:outbox' mashd - + 2000 | grep -E '^[0-9]+-[0-9]+$' |
	sed "s/.*/XCLAIM {mash}:outbox mashd gone 0 & IDLE 600000 JUSTID/" |
	rcli > /dev/null
expect "1001 pending with a consumer that is gone" \
	"$(rcli xpending '{mash}:outbox' mashd | head -1)" 1001
start_mashd
wait_for 15 "[ \$(nmails navigators@hub.example 'MASH-2026-900001') -ge 1 ]"
expect "the one past the first thousand is delivered" "$?" 0
expect "the others wait for their time" "$(nmails navigators@hub.example 'MASH-2026-900000')" 0
finish
