#!/bin/sh
# A reload (SIGHUP) with more open referrals than a page: mashd reads the
# queue a page a call (timers.lua) and writes each page's moves in one
# call (reschedule.lua), so that no call holds Redis for long. Every open
# referral is worked out once, whatever another mashd does between two
# pages: a referral added, one decided before its page is read, one
# decided and one re-rated between their page's read and its write
# (nothing moves of the decided; the re-rated's screening keeps the due
# time its re-rating gave it). A second SIGHUP part-way begins
# again from the start, moving nothing twice; a stop part-way ends the
# run and mashd exits cleanly; Redis gone part-way is said, with the
# referrals not reached. 2026-11-24 is a Tuesday; London is on GMT.
. "$(dirname "$0")/lib.sh"
# mashd is stopped for seconds with a call in flight: not a Redis away.
REDIS_CONF='timeout = 60;'
write_conf
cp "$T/mashd.conf" "$T/a.conf"
sed -e "s|$T/mashd.sock|$T/b.sock|" "$T/a.conf" > "$T/b.conf"
chmod 600 "$T/b.conf"
start_redis
N=1000
bctl() { "$MASHCTL" -s "$T/b.sock" "$@"; }
# A call of timers.lua (its argument's name), and of reschedule.lua.
PAGE='page_size'
RESCHED='mashd:reload'

# pages: the references each call of timers.lua read in $T/monitor, one
# line "PAGE-NUMBER REF" each, pages counted from the first.
pages() {
	awk -v page="$PAGE" '/"EVALSHA"/ { on = index($0, page) > 0; n += on; next }
		on && /"HMGET" "{mash}:ref:/ {
			sub(/.*"HMGET" "{mash}:ref:/, ""); sub(/".*/, ""); print n, $0 }' \
		"$T/monitor"
}
# moves: each referral's reschedule events since event id $1 ("-": all),
# "REF COUNT" a line, for the timer $2 ('': any).
moves() {
	rcli xrange '{mash}:events' "$1" + | awk -v t="timer=${2:+$2 }" '
		/^[0-9]+-[0-9]+$/ { if (r != "" && a == "reschedule" && index(d, t) == 1) n[r]++
			r = a = d = ""; next }
		k == "ref" { r = $0 } k == "action" { a = $0 } k == "detail" { d = $0 }
		{ k = $0 }
		END { if (r != "" && a == "reschedule" && index(d, t) == 1) n[r]++
			for (x in n) print x, n[x] }' | sort
}
last_event() { rcli xrevrange '{mash}:events' + - count 1 | head -1; }
summary() { grep 'timers: recomputed' "$T/mashd.log" | tail -1; }
recomputed() { [ "$(grep -c 'timers: recomputed' "$T/mashd.log")" -gt "$1" ]; }
stopped() { grep -q '^State:.*stopped' "/proc/$MASHD_PID/status"; }
unwatch() { kill "$MON"; wait "$MON" 2> /dev/null; }

# N amber referrals received Tuesday 10:00, their due times a month out:
# a reload works each out again (screening 16:00, decision Wednesday).
at "2026-11-24 10:00:00"
timer_fill 2026 $N $(($(redis_ms) + 30 * 86400000)) 1 screening decision
TZ=UTC FAKETIME=$(fake_clock) LD_PRELOAD=$FAKETIME_LIB \
	ASAN_OPTIONS=verify_asan_link_order=0 \
	$MASHD_WRAP "$MASHD" -f -c "$T/b.conf" 2>> "$T/mashd.log" &
PID_B=$!
wait_for 30 "bctl status > /dev/null 2>&1"

# 1. The other mashd changes the queue in the middle of the run, with
# mashd stopped after its first page was read and before it could write
# it: Redis is kept busy (a script that waits 3 s) while mashd is sent
# SIGHUP, so the first page's call waits in Redis, and mashd is stopped
# before Redis runs it and answers. (A watch of MONITOR comes too late
# for this: Redis sends what it watched and a call's answer together.)
start_mashd_stopped_at "no call holds this"
mashd_ready
E0=$(last_event)
rcli eval "local t = redis.call('TIME')
	local t0 = t[1] * 1000000 + t[2]
	repeat
	  for _ = 1, 1000000 do end
	  t = redis.call('TIME')
	until t[1] * 1000000 + t[2] - t0 > 3000000" 0 > /dev/null &
BUSY=$!
sleep 0.3 # Redis, busy (what it watches, it tells once it is not)
kill -HUP "$MASHD_PID"
wait_for 10 "grep -q 'reload: .* read again' '$T/mashd.log'"
sleep 0.3 # its first call, sent
kill -STOP "$MASHD_PID"
wait "$BUSY"
wait_for 30 "grep -q '$PAGE' '$T/monitor'"
expect "the first page read, mashd stopped before its answer" "$?" 0
monitor_settled # the page's read, to its end in the watch
pages > "$T/read"
rcli zrange '{mash}:queue' 0 -1 | sort > "$T/queue"
RATED=$(awk '$1 == 1 { print $2; exit }' "$T/read")
DEC_READ=$(awk -v r="$RATED" '$1 == 1 && $2 != r { print $2; exit }' "$T/read")
DEC_UNREAD=$(cut -d' ' -f2 "$T/read" | sort -u | comm -13 - "$T/queue" | head -1)
expect "two referrals of the page, one not read yet" \
	"$([ -n "$RATED" ] && [ -n "$DEC_READ" ] && [ -n "$DEC_UNREAD" ] && echo yes)" yes
bctl rate "$RATED" red --reason 'Disclosure at school' > /dev/null
expect "$RATED re-rated by the other mashd" "$?" 0
RATED_DUE=$(bctl show "$RATED" --json | jq -r .timers.screening.due)
for r in $DEC_READ $DEC_UNREAD; do
	bctl decide "$r" nfa --reason 'Information only' > /dev/null
	expect "$r decided by the other mashd" "$?" 0
done
NEW=$(bctl referral new --file "$FIX/phone.json" --json | jq -r .id)
expect_match "a referral added by the other mashd" "$NEW" '^MASH-2026-'
expect "the page not written yet" "$(grep -c "$RESCHED.*$RATED" "$T/monitor")" 0
kill -CONT "$MASHD_PID"
wait_for 60 "recomputed 0"
expect "the reload's recompute ends" "$?" 0
unwatch
expect "re-rated between its page's read and its write: screening as the re-rating set it" \
	"$(timer "$RATED" screening due)" "$RATED_DUE"
expect_match "and the log says it was left" \
	"$(grep "referral $RATED: screening" "$T/mashd.log")" 'started again since its page was read'
expect "decided between its page's read and its write: nothing moved" \
	"$(moves "$E0" '' | grep -c "^$DEC_READ ")" 0
pages > "$T/read"
nread=$(cut -d' ' -f2 "$T/read" | sort -u | grep -c .)
npages=$(cut -d' ' -f1 "$T/read" | sort -u | grep -c .)
expect "more than one page read" "$([ "$npages" -ge 3 ] && echo yes)" yes
expect "no page read more than about 100 referrals" \
	"$(cut -d' ' -f1 "$T/read" | uniq -c | awk '$1 > 150' | wc -l)" 0
expect "the one decided before its page: never read" \
	"$(grep -c " $DEC_UNREAD\$" "$T/read")" 0
moves "$E0" decision > "$T/dm"
moves "$E0" screening > "$T/sm"
expect "every decision moved once, but the two decided" \
	"$(awk '$2 == 1' "$T/dm" | wc -l) $(awk '$2 != 1' "$T/dm" | wc -l)" "$((N - 2)) 0"
expect "every screening moved once, but the re-rated and the decided" \
	"$(awk '$2 == 1' "$T/sm" | wc -l) $(awk '$2 != 1' "$T/sm" | wc -l)" "$((N - 3)) 0"
expect "the one added, not at all (added by the rules in force)" "$(grep -c "^$NEW " "$T/dm" "$T/sm" | awk -F: '{ s += $2 } END { print s }')" 0
moved=$(($(awk '{ s += $2 } END { print s }' "$T/dm") + $(awk '{ s += $2 } END { print s }' "$T/sm")))
expect "the summing-up line: each referral read counted once, each move" \
	"$(summary | sed 's/.*timers: //')" \
	"recomputed $nread open referral(s): $moved timer(s) moved"
# The moves are in the audit, counted in that line: the log has no line a
# referral moved (it had about N), only the re-rated one's (and the other
# mashd's of what it did).
# (An empty pattern would match every line, and the check below pass on
# an empty list: each is named, and the list holds the others.)
expect_match "the three left out are named" \
	"$RATED $DEC_READ $DEC_UNREAD" '^MASH-[0-9-]+ MASH-[0-9-]+ MASH-[0-9-]+$'
cut -d' ' -f1 "$T/dm" "$T/sm" | sort -u |
	grep -v -e "$RATED" -e "$DEC_READ" -e "$DEC_UNREAD" > "$T/moved"
expect_match "the referrals moved are listed: many" \
	"$(grep -c . "$T/moved")" '^[1-9][0-9]+$'
expect "no line in the log for each referral moved" \
	"$(grep -cF -f "$T/moved" "$T/mashd.log")" 0

# 2. A second SIGHUP part-way, with a holiday on Wednesday now: the run
# begins again from the start, and each decision moves once, to Thursday.
stop_mashd
sed -i 's|^calendar = {|calendar = { extra_holidays = [ "2026-11-25" ];|' "$T/mashd.conf"
OPEN=$(rcli zcard '{mash}:queue')
E1=$(last_event)
n=$(grep -c 'timers: recomputed' "$T/mashd.log")
start_mashd_stopped_at "$RESCHED"
mashd_ready
kill -HUP "$MASHD_PID"
wait_for 60 "stopped"
expect "stopped at the first page's write" "$?" 0
kill -HUP "$MASHD_PID"
kill -CONT "$MASHD_PID"
wait_for 60 "recomputed $n"
expect "the recompute ends" "$?" 0
unwatch
again=$(grep 'recompute begun again by a new reload' "$T/mashd.log")
expect_match "the second SIGHUP begins it again" "$again" \
	'after [0-9]+ open referral\(s\) and [0-9]+ timer\(s\) moved'
before=$(echo "$again" | sed 's/.* and \([0-9]*\) timer.*/\1/')
moves "$E1" decision > "$T/dm"
expect "every open referral's decision moved once" \
	"$(awk '$2 == 1' "$T/dm" | wc -l) $(awk '$2 != 1' "$T/dm" | wc -l)" "$OPEN 0"
all=$(moves "$E1" '' | awk '{ s += $2 } END { print s }')
expect "the run begun again counts every open referral, and the moves left" \
	"$(summary | sed 's/.*timers: //')" \
	"recomputed $OPEN open referral(s): $((all - before)) timer(s) moved"
expect "decision due Thursday" "$(timer "$RATED" decision due | minute)" 2026-11-26T10:00

# 3. A stop part-way: the run ends at its next answer, said; a clean exit.
stop_mashd
n=$(grep -c 'timers: recomputed' "$T/mashd.log")
start_mashd_stopped_at "$RESCHED"
mashd_ready
kill -HUP "$MASHD_PID"
wait_for 60 "stopped"
kill -TERM "$MASHD_PID"
kill -CONT "$MASHD_PID"
wait "$MASHD_PID"
expect "mashd exits 0 when stopped part-way" "$?" 0
MASHD_PID=
unwatch
expect_match "the run's line says it was stopped" "$(summary)" \
	'not read to its end \(about [0-9]+ more\): mashd is stopping: reload again'

# 4. Redis gone part-way: the referrals not reached are said.
start_mashd_stopped_at "$RESCHED"
mashd_ready
kill -HUP "$MASHD_PID"
wait_for 60 "stopped"
unwatch
stop_redis KILL
kill -CONT "$MASHD_PID"
wait_for 30 "recomputed $((n + 1))"
expect_match "the run's line says what was not reached" "$(summary)" \
	'could not be rescheduled \(see above\), and the queue was not read to its end \(about [0-9]+ more\): .*: reload again'

# 5. Redis gone at the reload: no page read, and the line says so rather
# than "about 0 more".
kill -HUP "$MASHD_PID"
wait_for 30 "recomputed $((n + 2))"
expect_match "the run's line says the queue was not read" "$(summary)" \
	'recomputed 0 open referral\(s\): 0 timer\(s\) moved; 0 referral\(s\) could not be rescheduled \(see above\), and the queue was not read: .*: reload again'
check_no_personal_data
kill "$PID_B"
wait "$PID_B"
stop_mashd
finish
