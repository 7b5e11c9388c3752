#!/bin/sh
# A digest due at mashd's start, with a backlog of due timers that still
# fires when alert delivery's 10 s hold ends (mashd(8)): the digest is
# gathered once the backlog is fired, so it counts every decision overdue
# and every escalation the backlog fired, as the same store fired before
# it would (gathered when the 10 s ended it counted a part of them: 17,181
# overdue of 20,000 and no escalation in c-cold's cold start). The
# firing is stalled by Redis's CLIENT PAUSE, not by thousands of timers:
# mashd's monotonic clock (its hold) moves past the 10 s with `at`
# (LIVE_CLOCK=mono) while Redis holds its fire.lua calls. A backlog
# still firing after 5 minutes holds the digest no longer: it is gathered
# then, and mashd says so (event digest_backlog); so too a digest that
# falls due after those 5 minutes with the backlog still firing.
# 2026-12-10 is a Thursday, 2026-12-11 a Friday: the hub opened at 08:00.
. "$(dirname "$0")/lib.sh"
# A fire.lua call in flight over the steps of the clock must not time out.
REDIS_CONF='timeout = 600;'
LIVE_CLOCK=mono
start_redis
at "2026-12-10 09:00:00"
N=3000
due_now() { rcli zcount '{mash}:due' -inf "$(redis_ms)"; }
backlog() { stalled_backlog $1 $N; }
backlog 2026
# 15 s on, on mashd's monotonic clock too: past the hold of alerts.
at "2026-12-10 09:00:15"
rcli client unpause > /dev/null
wait_for 60 '[ "$(due_now)" = 0 ]'
expect "the backlog fired" "$?" 0
wait_for 180 '[ "$(rcli exists "{mash}:digest:sent:2026-12-10")" = 1 ]'
expect "Thursday's digest written" "$?" 0
detail=$(events '' digest | grep 'date=2026-12-10 ')
echo "# $detail"
count() { echo "$detail" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
# What the store holds, every timer fired.
overdue=$(rcli eval "local n = 0
	for _, v in ipairs(redis.call('HVALS', '{mash}:overdue')) do
	  if string.find(' ' .. v .. ' ', ' decision ', 1, true) then n = n + 1 end
	end
	return n" 0)
escalations=$(events 'MASH-2026-[0-9]*' fire | grep -c ' detail timer=escalation ')
echo "# the store, fired: overdue=$overdue escalations=$escalations"
expect "the store holds every decision overdue" "$overdue" $N
expect "and every escalation fired" "$escalations" $N
expect "the digest counts every decision overdue" "$(count overdue)" "$overdue"
expect "and every escalation the backlog fired" "$(count escalations)" "$escalations"
stop_mashd

# Friday: the backlog stalled 5 min 30 s (mashd's clock), in one step
# (shorter than redis.timeout): the digest waits no longer.
at "2026-12-11 09:00:00"
backlog 2027
at "2026-12-11 09:05:30"
rcli client unpause > /dev/null
wait_for 180 '[ "$(rcli exists "{mash}:digest:sent:2026-12-11")" = 1 ]'
expect "Friday's digest written" "$?" 0
expect_log "mashd says the digest waited for the backlog no longer" \
	'event="digest_backlog"\] digest: the digest of 2026-12-11 was gathered while a backlog of due timers still fired, 5 min or more after it began'
wait_for 60 '[ "$(due_now)" = 0 ]'
expect "then the backlog fired" "$?" 0
detail=$(events '' digest | grep 'date=2026-12-11 ')
echo "# $detail"
expect "gathered before the backlog had fired its escalations" \
	"$([ "$(count escalations)" -lt $N ] && echo yes)" yes
expect "said once" "$(grep -c 'event="digest_backlog"' "$T/mashd.log")" 1
stop_mashd

# Monday: mashd starts at 07:54, before the hub opens at 08:00, on a
# backlog stalled past its 5 minutes (07:59:30) and still stalled when the
# digest falls due (08:00:30): gathered then, with the backlog still
# firing, it is said once in the outbox, as on Friday (the warning was
# given only for a digest due when the 5 minutes ended).
: > "$T/mashd.log"
at "2026-12-14 07:54:00"
backlog 2028
at "2026-12-14 07:59:30"
rcli client unpause > /dev/null
rcli client pause 600000 write > /dev/null
expect "no digest due at the 5 minutes: none said" \
	"$(grep -c 'event="digest_backlog"' "$T/mashd.log")" 0
at "2026-12-14 08:00:30"
# mashd's loop has turned since the step (a 404, Redis not asked): the
# digest due then is gathered (start()) while the backlog is stalled.
curl -s -o /dev/null "$URL/none"
curl -s -o /dev/null "$URL/none"
rcli client unpause > /dev/null
wait_for 60 '[ "$(due_now)" = 0 ]'
expect "then Monday's backlog fired" "$?" 0
wait_for 180 '[ "$(rcli exists "{mash}:digest:sent:2026-12-14")" = 1 ]'
expect "Monday's digest written" "$?" 0
expect_log "mashd says the digest due after the 5 minutes was gathered while the backlog fired" \
	'event="digest_backlog"\] digest: the digest of 2026-12-14 was gathered while a backlog of due timers still fired'
stop_mashd
finish
