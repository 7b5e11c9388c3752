#!/bin/sh
# While a backlog of due timers fires, the reminders of the decisions it
# misses (the ladder's rungs) wait in mashd's memory (mashd(8)); none is
# lost for it: a stop sends them, and waits for Redis to have them; a
# Redis that goes away meanwhile finds them scheduled after it is back
# (the look for the ladder's gaps). Referrals are written as submit.lua
# writes them, by lib.sh's timer_fill: 20,000 decisions due at once.
. "$(dirname "$0")/lib.sh"
start_redis
at "2026-11-27 15:00:00"
N=20000

# How many of year Y's referrals have their decision fired, and how many
# of those have their first reminder in the due set.
counts() {
	rcli eval "local fired, rung = 0, 0
		for i = 1, $N do
		  local id = string.format('MASH-$1-%06d', i)
		  if redis.call('HEXISTS', '{mash}:ref:' .. id,
		                'fired:decision') == 1 then
		    fired = fired + 1
		    if redis.call('ZSCORE', '{mash}:due',
		                  id .. ':overdue_reminder') then
		      rung = rung + 1
		    end
		  end
		end
		return fired .. ' ' .. rung" 0
}
first_fired() {
	[ "$(rcli hexists "{mash}:ref:MASH-$1-000001" fired:decision)" = 1 ]
}

# A stop in the middle of the backlog.
timer_fill 2024 $N $(($(redis_ms) - 60000)) 0 decision
start_mashd
wait_for 20 first_fired 2024
stop_mashd
set -- $(counts 2024)
echo "# stopped with $1 of $N decisions fired"
expect "the stop came with decisions fired" "$([ "$1" -gt 0 ] && echo yes)" yes
expect "each decision fired has its reminder scheduled, with no restart" "$2" "$1"

# Redis killed in the middle of the backlog, and started again.
timer_fill 2025 $N $(($(redis_ms) - 60000)) 0 decision
start_mashd
wait_for 20 first_fired 2025
stop_redis KILL
start_redis
wait_for 60 '[ "$(rcli zcount "{mash}:due" -inf "($(redis_ms)")" = 0 ]'
expect "after Redis is back every decision has fired" \
	"$(counts 2025 | cut -d' ' -f1)" $N
wait_for 30 '[ "$(counts 2025 | cut -d" " -f2)" = '$N' ]'
expect "and each has its reminder scheduled" "$(counts 2025 | cut -d' ' -f2)" $N
expect "mashd is still running" "$(kill -0 "$MASHD_PID" && echo yes)" yes
stop_mashd
finish
