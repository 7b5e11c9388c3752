#!/bin/sh
# Deliveries are bounded: with a hung MTA and many alerts queued, at most
# alerts.max_parallel sendmail processes run; one past alerts.timeout is
# killed with all it started, and its alert is retried later. A stop
# starts no new delivery and waits for those under way, so a mail handed
# over is recorded and never sent again after a restart.
. "$(dirname "$0")/lib.sh"
# The MTA hangs while $T/hang exists, else takes $T/slow seconds.
hanging_sendmail
# An alert may need two mails at once (the referrer's and the staff's).
write_conf "alerts = { max_parallel = 1; };"
"$MASHD" -n -c "$T/mashd.conf" > "$T/out" 2>&1
expect_match "max_parallel is at least 2" "$(cat "$T/out")" \
	'alerts.max_parallel: must be between 2 and 1000'

write_conf "
alerts = { sendmail = \"$T/sendmail\"; from = \"mash-alerts@hub.example\";
  retry = { first = 1; max = 2; attempts = 50; };
  claim_idle = 5; timeout = 4; };" # max_parallel: 8, the default
# timeout 4: the stand-in MTA of the stop below takes 1.5 s; with 2, a
# loaded machine (valgrind) let one run past it after handing its mail
# over, and mashd rightly sent that mail again.
start_redis
start_mashd

# children: mashd's child processes now (each a sendmail).
children() { pgrep -P "$MASHD_PID" | wc -l; }
# most N: the most children seen in N samples, 50 ms apart.
most() {
	_m=0
	for _i in $(seq "$1"); do
		_c=$(children)
		[ "$_c" -gt "$_m" ] && _m=$_c
		sleep 0.05
	done
	echo "$_m"
}
# alive PID: running, not a zombie waiting for its parent.
alive() {
	_s=$(ps -o stat= -p "$1" 2>/dev/null)
	[ -n "$_s" ] && [ "${_s#Z}" = "$_s" ]
}
# leftover: the hung MTA's children still alive.
leftover() {
	_n=0
	for _p in $(cat "$T/sleepers" 2>/dev/null); do
		alive "$_p" && _n=$((_n + 1))
	done
	echo "$_n"
}
mails_sent() { ls "$T"/mail/*.eml 2>/dev/null | wc -l; }
unique_ids() { sed -n 's/^Message-Id: //p' "$T"/mail/*.eml | sort -u | wc -l; }

# 60 acknowledgements queued while the MTA hangs.
touch "$T/hang"
for i in $(seq 60); do post "$FIX/amber.json" > /dev/null; done
wait_for 10 "[ \$(children) -gt 0 ]"
expect "deliveries start" "$?" 0
m=$(most 120)
expect "never more than max_parallel sendmail processes" \
	"$([ "$m" -le 8 ] && echo yes || echo "no: $m")" yes
wait_for 10 "[ \$(wc -l < '$T/sleepers') -gt 8 ]"
expect "one past the timeout is killed and the next ones start" "$?" 0
# Its retry waits alerts.retry.first and a free slot: wait for the line.
wait_for 30 log_has 0 'event=ack .*attempt=2'
expect_match "its alert is retried" "$(cat "$T/mashd.log")" \
	'event=ack .*attempt=2'
rm "$T/hang"
wait_for 60 "[ \$(mails_sent) -ge 60 ]"
expect "every alert is delivered once the MTA answers" "$(mails_sent)" 60
wait_for 10 "[ \$(children) -eq 0 ]"
expect "no sendmail left" "$(children)" 0
expect "nothing a killed sendmail started is left either" "$(leftover)" 0
expect "each mail once" "$(unique_ids)" 60

# A stop while deliveries run: those under way finish and are recorded,
# no new one starts, mashd exits in time.
echo 1.5 > "$T/slow"
for i in $(seq 30); do post "$FIX/amber.json" > /dev/null; done
wait_for 10 "[ \$(children) -gt 0 ]"
kill -TERM "$MASHD_PID"
wait_for 8 "! alive $MASHD_PID"
expect "mashd stops within alerts.timeout and a margin" "$?" 0
wait "$MASHD_PID"
expect "and exits 0" "$?" 0
MASHD_PID=
expect_match "alerts are left for after the restart" \
	"$(( 90 - $(mails_sent) ))" '^[1-9]'
# The acknowledgements only: on a working day after the opening, the
# supervisors' digest is sent too (to syslog: no mail).
recorded() {
	rcli --scan --pattern '{mash}:alert:*' | grep -v ':done$' |
		while read -r k; do rcli hmget "$k" event state | paste -sd' '; done |
		grep -c '^ack sent$'
}
expect "what was handed over was recorded: mails sent = alerts sent" \
	"$(mails_sent)" "$(recorded)"
rm "$T/slow"
start_mashd
wait_for 30 "[ \$(mails_sent) -ge 90 ]"
sleep 4 # an attempt's length: a mail sent twice would show now
expect "after the restart every alert is delivered" "$(mails_sent)" 90
expect "and none twice" "$(unique_ids)" 90
kill $(cat "$T/sleepers") 2>/dev/null
finish
