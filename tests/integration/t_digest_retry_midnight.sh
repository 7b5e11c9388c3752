#!/bin/sh
# t_digest_retry_midnight: a digest that fails after midnight is tried
# again, and sent, as the log says (mashd(8)). As t_digest_midnight:
# mashd starts on Tuesday at 23:57, Tuesday's digest not sent, on a
# backlog Redis stalls; at 00:00:30 on Wednesday Redis takes the calls
# again, but refuses SET (ACL), so digest.lua's write fails: "trying again
# within a minute". At 00:02:30 it takes SET again: Tuesday's digest must
# be written. Before, the retry looked at Wednesday (not open until 08:00):
# Tuesday's digest was never written, though the log said it would be.
# Then Wednesday's digest fails at its opening and until Thursday's: it is
# given up then, and said so, and Thursday's is written. Each failure is
# awaited before the clock moves on (valgrind gathers slowly); a step of
# mashd's monotonic clock of hours may time a call in flight out, which
# fails it too ("did not answer within 600 s"): the same retry.
. "$(dirname "$0")/lib.sh"
tuesday_night_backlog
rcli acl setuser default -set > /dev/null
at "2026-12-16 00:00:30"
rcli client unpause > /dev/null
wait_for 60 '[ "$(rcli zcount "{mash}:due" -inf "$(redis_ms)")" = 0 ]'
expect "the backlog fired" "$?" 0
wait_for 120 log_has 0 'digest of 2026-12-15 is not sent: .*trying again within a minute'
expect "Tuesday's digest failed, to be tried again" "$?" 0
expect "not written while SET is refused" \
	"$(rcli exists '{mash}:digest:sent:2026-12-15')" 0
rcli acl setuser default +set > /dev/null
at "2026-12-16 00:02:30"
wait_for 90 '[ "$(rcli exists "{mash}:digest:sent:2026-12-15")" = 1 ]'
expect "Tuesday's digest written when tried again" "$?" 0
expect "none for Wednesday before its opening" \
	"$(rcli exists '{mash}:digest:sent:2026-12-16')" 0
expect "none given up" "$(grep -c 'given up' "$T/mashd.log")" 0
from=$(log_lines)
rcli acl setuser default -set > /dev/null
at "2026-12-16 08:00:30"
wait_for 120 log_has "$from" 'digest of 2026-12-16.*trying again within a minute'
expect "Wednesday's digest failed" "$?" 0
at "2026-12-16 23:59:30"
from=$(log_lines)
at "2026-12-17 00:00:30"
wait_for 120 log_has "$from" 'digest of 2026-12-16.*trying again within a minute'
expect "Wednesday's digest tried again after midnight" "$?" 0
rcli acl setuser default +set > /dev/null
at "2026-12-17 08:00:30"
wait_for 90 '[ "$(rcli exists "{mash}:digest:sent:2026-12-17")" = 1 ]'
expect "Thursday's digest written" "$?" 0
expect_log "Wednesday's given up, and said so" \
	'digest of 2026-12-16 is given up, not known sent'
expect "given up once" "$(grep -c 'given up' "$T/mashd.log")" 1
expect "Wednesday's not written" \
	"$(rcli exists '{mash}:digest:sent:2026-12-16')" 0
stop_mashd
finish
