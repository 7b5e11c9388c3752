#!/bin/sh
# A hung MTA costs little while it lasts: a mail that could not start
# (every sendmail process hangs) is retried after the time since sendmail
# last answered, up to 5 minutes (the intervals double), not every second;
# mashd says once that mail is held up, and once that sendmail answers
# again, with the tries of a mail not started meanwhile; as
# soon as sendmail answers again the mails held go, not at their retry.
. "$(dirname "$0")/lib.sh"
hanging_sendmail
# alerts.timeout 16 s (the two hung processes are killed once in the 20 s
# watched, at 16 s, and two others start and hang: when the MTA answers
# again theirs is an answer, well before their timeout), claim_idle 17: a
# mail waits 0.5 s for a process before it fails unstarted.
mta_conf 16 17 100
start_redis
started=$(date +%s)
start_mashd
touch "$T/hang"
for i in 1 2 3 4 5 6; do post "$FIX/amber.json" > /dev/null; done
wait_for 10 "[ \$(pgrep -P $MASHD_PID | wc -l) -ge 2 ]"
expect "two sendmail processes hang" "$?" 0
# stat NAME: calls of Redis command NAME since the reset.
stat() {
	rcli info commandstats | sed -n "s/^cmdstat_$1:calls=\([0-9]*\),.*/\1/p"
}
aof() { rcli info persistence | sed -n 's/^aof_current_size:\([0-9]*\).*/\1/p'; }
# cpu: Redis's CPU seconds (user + system), and mashd's (clock ticks).
cpu() {
	rcli info cpu | tr -d '\r' | awk -F: '/^used_cpu_(user|sys):/ { s += $2 }
		END { printf "%.3f", s }'
}
ticks() { awk '{ print $14 + $15 }' "/proc/$MASHD_PID/stat"; }
rcli config resetstat > /dev/null
from=$(log_lines)
aof0=$(aof)
cpu0=$(cpu)
ticks0=$(ticks)
sleep 20
evals=$(stat evalsha)
xclaims=$(stat xclaim)
unstarted=$(tail -n "+$((from + 1))" "$T/mashd.log" |
	grep -c 'no sendmail process free in time')
lines=$(($(log_lines) - from))
echo "# in 20 s: $evals script calls, $xclaims XCLAIMs, $lines log lines" \
	"($unstarted mails failed unstarted), AOF +$(($(aof) - aof0)) bytes," \
	"Redis CPU +$(awk -v a="$(cpu)" -v b="$cpu0" 'BEGIN { printf "%.3f", a - b }') s," \
	"mashd CPU +$(($(ticks) - ticks0)) ticks, load $(cut -d' ' -f1-3 /proc/loadavg)"
# Four mails waiting, each taken again every second or so (as before:
# 78 XCLAIMs and 156 lines), would pass 30 XCLAIMs and 60 lines by far;
# at growing intervals each is taken again 3 or 4 times.
expect "a mail not started is retried at growing intervals (< 30 XCLAIMs)" \
	"$([ "${xclaims:-99}" -lt 30 ] && echo yes)" yes
expect "and logs little (< 60 lines in 20 s)" "$([ "$lines" -lt 60 ] && echo yes)" yes
expect "every mail waiting failed unstarted once at least" \
	"$([ "$unstarted" -ge 4 ] && echo yes)" yes
# Held up is logged at the first mail held once none has answered for
# alerts.timeout (16 s): the retries fall at about twice the last delay,
# so that is about 30 s after the start (15 s is just short), past the
# 20 s watched: wait for it up to 40 s more, not expect_log's 10.
held_up='alerts: mail is held up: no sendmail process has answered for [0-9]+ s'
wait_for 40 log_has 0 "$held_up"
expect_log "mashd says mail is held up" "$held_up"
expect "once" "$(grep -c 'alerts: mail is held up' "$T/mashd.log")" 1

# held_far: the alerts held whose retry is more than 8 s away. Looked at
# just after held up is logged: the mail held then waits at least
# alerts.timeout (16 s) for its retry.
held_far() {
	_now=$(date +%s%3N)
	for k in $(rcli --scan --pattern '{mash}:alert:*' | grep -v ':done$'); do
		set -- $(rcli hmget "$k" held next_at)
		[ "${1:-0}" -gt 0 ] && [ "${2:-0}" -gt $((_now + 8000)) ] && echo "$k"
	done | wc -l
}
far=$(held_far)
expect "some held alerts' retries are more than 8 s away" \
	"$([ "$far" -ge 1 ] && echo yes)" yes

# The MTA answers again: the mails held go at once, not at their retry.
rm "$T/hang"
from=$(log_lines)
kill $(cat "$T/sleepers") 2>/dev/null
wait_for 8 "[ \$(ls '$T'/mail/*.eml 2>/dev/null | wc -l) -ge 6 ]"
expect "once the MTA answers, the six are delivered within 8 s" "$?" 0
again='alerts: sendmail answers again, after ([0-9]+) s without an answer; ([0-9]+) tr(y|ies) of a mail not started meanwhile'
expect_log "mashd says sendmail answers again" "$again" "$from"
# Its figures: the tries held since the hang began (every "no sendmail
# process free in time" before it: no mail answered before), and the
# seconds since mashd started (none answered), alerts.timeout (16) at
# least (held up was logged before).
line=$(grep -E "$again" "$T/mashd.log" | head -1)
tries=$(sed -n '/alerts: sendmail answers again/q; /no sendmail process free in time/p' \
	"$T/mashd.log" | wc -l)
expect "it counts the tries held, each" \
	"$(printf '%s' "$line" | sed -E "s/.*$again.*/\\2/")" "$tries"
expect "and the seconds without an answer" \
	"$(printf '%s' "$line" | sed -E "s/.*$again.*/\\1/" |
		awk -v s="$(($(date +%s) - started))" '{ print ($1 >= 16 && $1 <= s) ? "yes" : $1 " of " s }')" yes
# A mail sent twice would come within the next tries: 2 s more.
sleep 2
expect "six mails" "$(ls "$T"/mail/*.eml | wc -l)" 6
expect "each once" "$(sed -n 's/^Message-Id: //p' "$T"/mail/*.eml | sort -u | wc -l)" \
	"$(ls "$T"/mail/*.eml | wc -l)"
finish
