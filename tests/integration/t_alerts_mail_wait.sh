#!/bin/sh
# A mail that waits for a sendmail process waits only so long that its
# attempt still ends within the alert's claim: half of alerts.claim_idle
# less alerts.timeout after its alert was taken (here 2 s). Then that
# attempt fails unstarted, spending none, and the alert is taken again;
# once the MTA answers it is delivered, once.
. "$(dirname "$0")/lib.sh"
hanging_sendmail
mta_conf 30 34 100
start_redis
start_mashd

touch "$T/hang"
for i in 1 2 3; do post "$FIX/amber.json" > /dev/null; done
wait_for 10 "[ \$(pgrep -P $MASHD_PID | wc -l) -ge 2 ]"
expect "two sendmail processes hang" "$?" 0
expect_log "the third mail, waiting past its time, fails unstarted" \
	'event=ack: mail:referrer failed: no sendmail process free in time'
from=$(grep -n 'no sendmail process free in time' "$T/mashd.log" | head -1 |
	cut -d: -f1)
expect_log "and is taken again, no attempt spent (the two hang on theirs)" \
	'event=ack .*attempt=1$' "$from"
expect "never more than max_parallel sendmail processes" \
	"$(pgrep -P "$MASHD_PID" | wc -l)" 2
expect "its mail was never handed over" "$(ls "$T"/mail/in.* | wc -l)" 2

rm "$T/hang"
kill $(cat "$T/sleepers")
wait_for 20 "[ \$(ls '$T'/mail/*.eml 2>/dev/null | wc -l) -ge 3 ]"
expect "once the MTA answers, the three are delivered" "$?" 0
sleep 2
expect "each once" "$(sed -n 's/^Message-Id: //p' "$T"/mail/*.eml | sort -u | wc -l)" \
	"$(ls "$T"/mail/*.eml | wc -l)"
finish
