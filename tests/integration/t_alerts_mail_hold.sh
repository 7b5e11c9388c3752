#!/bin/sh
# A hung MTA for a quarter of an hour, on the test's clock (mashd's
# monotonic clock, which times a held alert's wait, alerts.timeout and
# the repeat, moves with each `at`: LIVE_CLOCK=mono): a held alert's
# retry is never more than 5 minutes away however long the hang
# (next_at - held <= 300,000 ms); "alerts: mail still held up" comes 10
# minutes after "mail is held up", not before, with the tries of a mail
# not started since the last answer; once sendmail answers again, the
# mails held go at once, each once.
. "$(dirname "$0")/lib.sh"
hanging_sendmail
# alerts.timeout 60 s (a hung sendmail is killed at each step of the
# clock, not an answer: it ends past three quarters of it; and no start
# under valgrind on a loaded machine lasts the 60 s after which "held up"
# is said before the first step), claim_idle 61 (a mail waits 0.5 s for
# a process); redis.timeout 600 s: a call in
# flight over a step of 310 s does not time out.
REDIS_CONF="timeout = 600;"
mta_conf 60 61 100
LIVE_CLOCK=mono
at "2026-11-24 10:00:00"
# The sleeps of the hung sendmails end with the test, whatever its end.
trap 'kill $(cat "$T/sleepers" 2>/dev/null) 2>/dev/null; cleanup' EXIT
start_redis
t0=$(($(date +%s%3N) + OFFSET_MS))
start_mashd
touch "$T/hang"
for i in 1 2 3 4 5 6; do post "$FIX/amber.json" > /dev/null; done
wait_for 10 "[ \$(children) -ge 2 ]"
expect "two sendmail processes hang" "$?" 0

# now_ms: the test's clock, ms. ahead SECONDS: it (mashd's, Redis's)
# moves on by SECONDS.
now_ms() { echo $(($(date +%s%3N) + OFFSET_MS)); }
ahead() { at "$(date -u -d "@$(($(now_ms) / 1000 + $1))" '+%F %T')"; }
# holds: "held next_at" of each alert held (its mail waited in vain; a
# field not set is 0).
holds() {
	for _k in $(rcli --scan --pattern '{mash}:alert:*' | grep -v ':done$'); do
		rcli hmget "$_k" held next_at | sed 's/^$/0/' | tr '\n' ' ' |
			awk '$1 > 0 { print $1, $2 }'
	done
}
# held_since MS: how many alerts were held at MS or later.
held_since() { holds | awk -v t="$1" '$1 >= t' | wc -l; }
# step SECONDS: the clocks move on; then, once the hung sendmails are
# killed (alerts.timeout) and the alerts due tried again, two hang and
# the four others are held anew (a check).
# (What is held after the step is held at its start or later, and the
# start is no more than a second short of SECONDS on: `at` takes whole
# seconds. mashd may see it before `at` returns: valgrind's did.)
step() {
	_t=$(($(now_ms) + $1 * 1000 - 1000))
	ahead "$1"
	wait_for 30 "[ \$(held_since $_t) -ge 4 ] && [ \$(children) -ge 2 ]"
	expect "after $1 s more: four held anew, two hanging" "$?" 0
}
# longest: the longest wait for a retry among the alerts held (ms).
longest() { holds | awk '{ d = $2 - $1; if (d > m) m = d } END { print m + 0 }'; }
free_lines() { grep -c 'no sendmail process free in time' "$T/mashd.log"; }
# tries_before REGEX: the mails not started before the first line
# matching REGEX.
tries_before() {
	sed -n "/$1/q; /no sendmail process free in time/p" "$T/mashd.log" | wc -l
}

# 310 s: every hold so far is due, and sendmail has not answered for
# more than 5 minutes: the alerts held now wait 5 minutes, not 310 s.
step 310
expect_log "mail is held up" 'alerts: mail is held up: no sendmail process has answered for 3[0-9][0-9] s'
expect "a held alert's retry is 5 minutes away at most" \
	"$(longest | awk '{ print ($1 <= 300000) ? "yes" : $1 " ms" }')" yes
expect "and so long after 5 minutes without an answer" \
	"$(longest | awk '{ print ($1 >= 290000) ? "yes" : $1 " ms" }')" yes

# 310 s more: still held up, told 5 minutes ago: not again yet.
step 310
expect "not told again within 10 minutes" \
	"$(grep -c 'alerts: mail still held up' "$T/mashd.log")" 0

# 310 s more: 10 minutes since it was told, it is told again, with the
# tries of a mail not started since the start (no mail has answered):
# the one held at that moment counts, logged just after.
step 310
still='alerts: mail still held up: no sendmail process has answered for ([0-9]+) min; ([0-9]+) tr(y|ies) of a mail not started since'
expect_log "told again 10 minutes later" "$still"
expect "once" "$(grep -c 'alerts: mail still held up' "$T/mashd.log")" 1
line=$(grep -E "$still" "$T/mashd.log" | head -1)
expect "for the minutes since mashd started (15 at least)" \
	"$(printf '%s' "$line" | sed -E "s/.*$still.*/\\1/" |
		awk -v m="$((($(now_ms) - t0) / 60000))" '{ print ($1 >= 15 && $1 <= m) ? "yes" : $1 " of " m }')" yes
expect "with every try of a mail not started since mashd started" \
	"$(printf '%s' "$line" | sed -E "s/.*$still.*/\\2/")" \
	"$(($(tries_before 'alerts: mail still held up') + 1))"
expect "the retries still 5 minutes away at most, 15 minutes in" \
	"$(longest | awk '{ print ($1 <= 300000 && $1 >= 290000) ? "yes" : $1 " ms" }')" yes

# The MTA answers again: the two sendmails hung are killed at their
# timeout (70 s on), their alerts tried again a second later are
# answered, and the four held go with them, not at their retry (5
# minutes away: the clock moves no more).
rm "$T/hang"
tries=$(free_lines)
ahead 70
wait_for 20 "[ \$(ls '$T'/mail/*.eml 2>/dev/null | wc -l) -ge 6 ]"
expect "once sendmail answers, the six are delivered within 20 s" "$?" 0
again='alerts: sendmail answers again, after ([0-9]+) s without an answer; ([0-9]+) tr(y|ies) of a mail not started meanwhile'
expect_log "mashd says sendmail answers again" "$again"
line=$(grep -E "$again" "$T/mashd.log" | head -1)
expect "after the quarter of an hour without an answer" \
	"$(printf '%s' "$line" | sed -E "s/.*$again.*/\\1/" |
		awk -v s="$((($(now_ms) - t0) / 1000))" '{ print ($1 >= 940 && $1 <= s) ? "yes" : $1 " of " s }')" yes
expect "counting every try held" \
	"$(printf '%s' "$line" | sed -E "s/.*$again.*/\\2/")" "$tries"
kill $(cat "$T/sleepers") 2>/dev/null
# A mail sent twice would come within the next tries: 2 s more.
sleep 2
expect "six mails" "$(ls "$T"/mail/*.eml | wc -l)" 6
expect "each once" "$(sed -n 's/^Message-Id: //p' "$T"/mail/*.eml | sort -u | wc -l)" 6
finish
