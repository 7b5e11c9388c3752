#!/bin/sh
# t_digest_restart_midnight: a digest that failed, with mashd restarted
# after midnight, is sent by the mashd started then, as the one stopped
# would have gone on trying it until the next opening (mashd(8)). Monday
# 14 December's digest is sent; Tuesday's fails (an ACL refuses SET, so
# digest.lua's write fails: "trying again within a minute"); mashd is
# stopped at 23:30 and started again at 00:30 on Wednesday: its try
# fails as SET is still refused (and is not said sent), then SET is
# allowed again and the next try writes it. Before, the start looked at
# Wednesday only (not open until 08:00): Tuesday's digest was never sent,
# and the last word of the log was that it would be tried again. Then a new hub (the store empty: no
# digest ever sent) started after midnight sends none of the day before.
# A reload (SIGHUP) makes mashd look at the time at once, where the clock
# has moved on to an opening.
. "$(dirname "$0")/lib.sh"
LIVE_CLOCK=yes
start_redis
at "2026-12-14 08:00:30" # Monday, open
start_mashd
wait_for 60 '[ "$(rcli exists "{mash}:digest:sent:2026-12-14")" = 1 ]'
expect "Monday's digest written" "$?" 0
at "2026-12-15 07:59:00"
rcli acl setuser default -set > /dev/null
from=$(log_lines)
at "2026-12-15 08:00:30"
kill -HUP "$MASHD_PID" # a reload looks at the time at once
wait_for 120 log_has "$from" 'digest of 2026-12-15 is not sent: .*trying again within a minute'
expect "Tuesday's digest failed, to be tried again" "$?" 0
at "2026-12-15 23:30:00"
stop_mashd
expect "Tuesday's not written" \
	"$(rcli exists '{mash}:digest:sent:2026-12-15')" 0
at "2026-12-16 00:30:00" # Wednesday, closed until 08:00
from=$(log_lines)
start_mashd # SET still refused: its try fails, and is not said sent
wait_for 60 log_has "$from" 'digest of 2026-12-15 is not sent: .*trying again within a minute'
expect "Tuesday's digest tried by the mashd started after midnight" "$?" 0
expect "a try that fails is not said sent" \
	"$(tail -n +$((from + 1)) "$T/mashd.log" | grep -c 'was not sent before this start\|2026-12-15 is in the outbox')" 0
rcli acl setuser default +set > /dev/null
kill -HUP "$MASHD_PID"
wait_for 60 '[ "$(rcli exists "{mash}:digest:sent:2026-12-15")" = 1 ]'
expect "Tuesday's digest written by it when tried again" "$?" 0
expect_log "the log says it was not sent before this start, and is sent late" \
	'digest of 2026-12-15 was not sent before this start .*: it is sent late' \
	"$from"
expect "none for Wednesday before its opening" \
	"$(rcli exists '{mash}:digest:sent:2026-12-16')" 0
expect "none given up" "$(grep -c 'given up' "$T/mashd.log")" 0
stop_mashd

# A new hub: no digest was ever sent, so none was due the day before.
rcli flushall > /dev/null
at "2026-12-17 00:30:00" # Thursday, closed until 08:00
from=$(log_lines)
start_mashd
at "2026-12-17 08:00:30"
kill -HUP "$MASHD_PID"
wait_for 120 '[ "$(rcli exists "{mash}:digest:sent:2026-12-17")" = 1 ]'
expect "a new hub's first digest is its opening day's" "$?" 0
expect "none of the day before it" \
	"$(rcli exists '{mash}:digest:sent:2026-12-16')" 0
expect "nothing said of one" \
	"$(tail -n +$((from + 1)) "$T/mashd.log" | grep -c 'was not sent before this start')" 0
stop_mashd
finish
