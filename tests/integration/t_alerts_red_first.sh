#!/bin/sh
# An "at once" alert does not wait behind a stuck MTA: with every sendmail
# process hung (alerts.timeout long) on retries of older alerts, a new
# Red referral's webhook and its syslog line go out at once; its mail
# waits for a process, and never more than alerts.max_parallel sendmail
# processes run. Once the MTA answers, every part is delivered, and the
# webhook, delivered before, is not sent again.
. "$(dirname "$0")/lib.sh"
# The MTA fails at once while $T/fail exists, hangs while $T/hang does.
stuck_mta_conf
start_redis
start_mashd

# A watch on the sendmail processes, every 50 ms, the most seen in $T/most.
watch_children() {
	_m=0
	while [ -e "$T/watching" ]; do
		_c=$(children)
		[ "$_c" -gt "$_m" ] && { _m=$_c; echo "$_m" > "$T/most"; }
		sleep 0.05
	done
}

# Four acknowledgements fail, and wait for their retry.
touch "$T/fail"
for i in 1 2 3 4; do post "$FIX/amber.json" > /dev/null; done
wait_for 20 log_has 0 'event=ack .*attempt=2'
expect "the acknowledgements are pending retry" "$?" 0
# The MTA now hangs: the retries hold every process.
touch "$T/watching"
watch_children &
WATCH=$!
touch "$T/hang"
rm "$T/fail"
wait_for 20 "[ \$(children) -ge 2 ]"
expect "every sendmail process hangs on a retry" "$?" 0

from=$(log_lines)
expect "a Red referral is stored" "$(post "$FIX/red.json")" 201
R=$(jbody .id)
wait_for 10 "[ \$(red_hooks) -ge 1 ]"
expect "its webhook arrives while every sendmail hangs" "$?" 0
wait_for 10 log_has "$from" "alert [0-9-]+ ref=$R event=red "
expect "its syslog line too" "$?" 0
expect_match "the sendmail processes still hang" "$(children)" '^2$'
# A hung sendmail leaves what it was given in in.*: none names the Red.
expect "its mail is not handed to sendmail yet" \
	"$(grep -l "$R" "$T"/mail/in.* 2>/dev/null | wc -l)" 0

# The MTA answers: the hung ones die, the mails waiting go.
rm "$T/hang"
kill $(cat "$T/sleepers") 2>/dev/null
wait_for 30 "grep -l 'new RED referral' '$T'/mail/*.eml"
expect "the Red's mail goes once a process is free" "$?" 0
wait_for 30 "[ \$(ls '$T'/mail/*.eml | wc -l) -ge 6 ]"
expect "so do the acknowledgements" "$?" 0
rm "$T/watching"
wait "$WATCH"
expect "never more than max_parallel sendmail processes" "$(cat "$T/most")" 2
expect "the Red's webhook was sent once" "$(red_hooks)" 1
finish
