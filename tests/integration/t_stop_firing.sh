#!/bin/sh
# A stop that comes while a batch of due timers is being fired waits, as
# for any work in flight, for fire.lua's answer (within the stop's
# grace), so that what the batch fired is logged and its alerts and
# rungs dealt with before mashd exits; before, the answer was dropped
# ("timers: cannot fire: mashd is stopping") though Redis had fired the
# batch, and a decision's reminders waited for the next look for the
# ladder's gaps. The batch is made certain to be in flight: Redis holds
# mashd's writes (CLIENT PAUSE WRITE) while a backlog of written
# confirmations' timers fires (they have no rungs, which a stop would
# wait for: the firing alone is in flight), the stop comes, then Redis
# goes on.
. "$(dirname "$0")/lib.sh"
start_redis
at "2026-11-27 15:00:00"
N=20000

# How many referrals have their timer fired.
fired() {
	rcli eval_ro "local fired = 0
		for i = 1, $N do
		  local id = string.format('MASH-2024-%06d', i)
		  if redis.call('HEXISTS', '{mash}:ref:' .. id,
		                'fired:written') == 1 then
		    fired = fired + 1
		  end
		end
		return fired" 0
}
first_fired() {
	[ "$(rcli hexists "{mash}:ref:MASH-2024-000001" fired:written)" = 1 ]
}

timer_fill 2024 $N $(($(redis_ms) - 60000)) 0 written
start_mashd
wait_for 20 first_fired
rcli client pause 20000 write > /dev/null
left=$(rcli zcount "{mash}:due" -inf "($(redis_ms)")
echo "# paused with $left of $N timers still due"
expect "the backlog was still firing at the pause" \
	"$([ "$left" -gt 1000 ] && echo yes)" yes
before=$(fired)
from=$(log_lines)
kill -TERM "$MASHD_PID"
sleep 1
expect "mashd waits for the batch Redis holds" \
	"$(kill -0 "$MASHD_PID" 2> /dev/null && echo yes)" yes
rcli client unpause > /dev/null
{ wait "$MASHD_PID"; } 2> /dev/null
expect "mashd exits 0 on SIGTERM" "$?" 0
MASHD_PID=
after=$(fired)
echo "# $before fired before the stop, $after after it"
expect "the batch in flight at the stop was fired" \
	"$([ "$after" -gt "$before" ] && echo yes)" yes
expect "and its firings logged" \
	"$(log_has "$from" 'MASH-2024-[0-9]+ timer written fired' && echo yes)" yes
expect "no firing's answer was dropped for the stop" \
	"$(log_has "$from" 'cannot fire: mashd is stopping' && echo dropped)" ""
finish
