#!/bin/sh
# t_digest_failing: a digest due while the calls that fire the due timers
# fail (a Redis error, an answer left unknown by redis.replicas_ack's WAIT)
# waits as for a backlog (mashd(8)): what is due is not known, so it is
# not gathered as if every timer had fired. Redis refuses the calls here
# by an ACL that takes ZREM from mashd's user: fire.lua's claim fails at
# its first timer, before it writes anything, and every other call of
# the test goes on (digest.lua writes with SET, HSET and XADD). Before,
# the first failed call ended the digest's wait: it was gathered at once,
# counting none of the backlog, and nothing was said. Its 5 minutes end
# the wait too (mashd's clock moved by `at`, LIVE_CLOCK=mono): the digest
# is gathered, and mashd says the timers could not be fired.
# 2026-12-10 is a Thursday, 2026-12-11 a Friday: the hub opened at 08:00.
. "$(dirname "$0")/lib.sh"
REDIS_CONF='timeout = 600;'
LIVE_CLOCK=mono
start_redis
N=1000
due_now() { rcli zcount '{mash}:due' -inf "$(redis_ms)"; }
sent() { [ "$(rcli exists "{mash}:digest:sent:$1")" = 1 ]; }
failures() { grep -c 'timers: cannot fire' "$T/mashd.log"; }
# failing YEAR: mashd started on N referrals of YEAR, each with its
# decision and escalation due an hour ago, with fire.lua refused.
failing() {
	timer_fill $1 $N $(($(redis_ms) - 3600000)) 0 decision escalation
	rcli acl setuser default -zrem > /dev/null
	start_mashd
	wait_for 30 '[ "$(failures)" -ge 5 ]'
	expect "fire.lua fails, 5 times" "$?" 0
}

at "2026-12-10 09:00:00"
failing 2026
expect "no digest gathered while the timers cannot be fired" \
	"$(grep -c 'digest of 2026-12-10' "$T/mashd.log") $(sent 2026-12-10 ||
	echo unsent)" "0 unsent"
rcli acl setuser default +zrem > /dev/null
wait_for 60 '[ "$(due_now)" = 0 ]'
expect "the backlog fired once Redis took the calls" "$?" 0
# A call refused writes nothing: each timer fired once, not once a call.
expect "each timer fired once, though calls failed first" \
	"$(events MASH-2026-000001 fire | wc -l)" 2
wait_for 60 sent 2026-12-10
expect "Thursday's digest written" "$?" 0
detail=$(events '' digest | grep 'date=2026-12-10 ')
echo "# $detail"
count() { echo "$detail" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
expect "the digest counts every decision overdue" "$(count overdue)" $N
expect "and every escalation" "$(count escalations)" $N
expect "nothing said" "$(grep -c 'event="digest_backlog"' "$T/mashd.log")" 0
stop_mashd

# Friday: the calls fail for 5 minutes 30 s (mashd's clock, in one step):
# the digest waits no longer, and mashd says why it counts none of it.
at "2026-12-11 09:00:00"
failing 2027
at "2026-12-11 09:05:30"
wait_for 60 sent 2026-12-11
expect "Friday's digest written while the calls still fail" "$?" 0
expect_log "mashd says the timers could not be fired" \
	'event="digest_backlog"\] digest: the digest of 2026-12-11 was gathered while due timers could not be fired \(the calls that fire them failed\), 5 min or more after its wait for them began'
expect "none of the backlog fired" \
	"$(rcli hexists '{mash}:ref:MASH-2027-000001' fired:decision)" 0
rcli acl setuser default +zrem > /dev/null
wait_for 60 '[ "$(due_now)" = 0 ]'
expect "then the backlog fired" "$?" 0
stop_mashd
finish
