#!/bin/sh
# A mail never handed to sendmail (no process free in time, or a stop)
# spends no attempt: its alert is neither made dead nor told to the
# supervisors as failing; it is taken again and delivered.
. "$(dirname "$0")/lib.sh"
hanging_sendmail
# ack_states: "state attempts" of each ack alert, one a line, sorted.
ack_states() {
	for k in $(rcli --scan --pattern '{mash}:alert:*' | grep -v ':done$'); do
		set -- $(rcli hmget "$k" event state attempts)
		[ "$1" = ack ] && echo "$2 ${3:-0}"
	done | sort
}

# A working but slow MTA (1 s a mail), 2 processes: of 8 mails at once
# most wait longer than (claim_idle - timeout) / 2 = 0.5 s, again and
# again; with 2 attempts they were dead letters before.
echo 1 > "$T/slow"
mta_conf 3 4 2
start_redis
start_mashd
for i in 1 2 3 4 5 6 7 8; do post "$FIX/amber.json" > /dev/null; done
wait_for 60 "[ \$(ls '$T'/mail/*.eml 2>/dev/null | wc -l) -ge 8 ]"
expect "a slow MTA: all 8 mails are sent" "$?" 0
expect_log "some waited past their time, unstarted" \
	'event=ack: mail:referrer failed: no sendmail process free in time'
wait_for 10 "[ \"\$(ack_states | grep -c '^sent 1$')\" = 8 ]"
expect "each sent at its first attempt: none dead, none spent unstarted" \
	"$(ack_states | uniq -c | tr -s ' ')" " 8 sent 1"
expect "no dead letter" "$(rcli zcard '{mash}:dead')" 0
stop_mashd
rm "$T/slow" "$T"/mail/*.eml

# A stop with a mail waiting (two hang): it fails unstarted, and is left
# pending, no attempt spent, though one attempt is all there is.
mta_conf 5 60 1
rcli del '{mash}:dead' > /dev/null
start_mashd
touch "$T/hang"
for i in 1 2 3; do post "$FIX/amber.json" > /dev/null; done
wait_for 10 "[ \$(pgrep -P $MASHD_PID | wc -l) -ge 2 ]"
expect "two sendmail processes hang" "$?" 0
sleep 1
from=$(log_lines)
stop_mashd
expect_log "at the stop the third fails unstarted" \
	'mail:referrer failed: not started: mashd is stopping' "$from"
expect "two mails were handed to sendmail" "$(ls "$T"/mail/in.* | wc -l)" 2
expect "the two hung are dead, the third pending with no attempt spent" \
	"$(ack_states | grep -v '^sent' | uniq -c | tr -s ' ')" \
	" 2 dead 1
 1 pending 0"
kill $(cat "$T/sleepers") 2>/dev/null
rm -f "$T/hang" "$T"/mail/in.*

# An alert whose first attempt failed for real (sendmail exited 75),
# then, at its retry, never started (the processes hang, mashd stops):
# its last error is still the real one, not the unstarted attempt's.
mta_conf 5 60 3
rcli flushall > /dev/null
start_mashd
touch "$T/fail"
post "$FIX/amber.json" > /dev/null
R=$(jbody .id)
ack_key() {
	for k in $(rcli --scan --pattern '{mash}:alert:*' | grep -v ':done$'); do
		set -- $(rcli hmget "$k" event ref)
		[ "$1 $2" = "ack $R" ] && echo "$k"
	done
}
wait_for 10 "[ \"\$(rcli hget \"\$(ack_key)\" attempts)\" = 1 ]"
expect "its first attempt fails (sendmail exits 75)" "$?" 0
first=$(rcli hget "$(ack_key)" last_error)
expect_match "and says so" "$first" '75'
rm "$T/fail"
touch "$T/hang"
for i in 1 2; do post "$FIX/green.json" > /dev/null; done
wait_for 10 "[ \$(pgrep -P $MASHD_PID | wc -l) -ge 2 ]"
expect "two other mails hang the two processes" "$?" 0
sleep 2 # its retry (1 s) is taken, and waits for a process
from=$(log_lines)
stop_mashd
expect_log "at the stop its retry fails unstarted" \
	"ref=$R event=ack: mail:referrer failed: not started: mashd is stopping" "$from"
expect "no attempt spent on it" "$(rcli hget "$(ack_key)" attempts)" 1
expect "its last error is still the real one" \
	"$(rcli hget "$(ack_key)" last_error)" "$first"
kill $(cat "$T/sleepers") 2>/dev/null
finish
