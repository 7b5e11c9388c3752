#!/bin/sh
# t_digest_other: a mashd that gathers the day's digest while a backlog
# of due timers still fires (its 5 minutes over) says so (event
# digest_backlog) only of a digest it wrote into the outbox (mashd(8)):
# not when another mashd on the same Redis sent the day's digest. Here
# the other mashd's claim of the date is written before mashd starts on
# a backlog that Redis stalls (CLIENT PAUSE, as t_digest_backlog), 5 min
# 30 s (mashd's clock, LIVE_CLOCK=mono). Before, the warning was logged
# as the gathering began, before digest_gather.lua answered that the
# date's digest was sent: the log named a digest this mashd never sent.
# Thursday 2026-12-17, the hub opened at 08:00.
. "$(dirname "$0")/lib.sh"
REDIS_CONF='timeout = 600;'
LIVE_CLOCK=mono
start_redis
at "2026-12-17 09:00:00"
# the other mashd's claim, as digest.lua writes it
rcli set '{mash}:digest:sent:2026-12-17' "$(($(redis_ms) - 1800000))" > /dev/null
stalled_backlog 2030 3000
at "2026-12-17 09:05:30"
rcli client unpause > /dev/null
wait_for 60 '[ "$(rcli zcount "{mash}:due" -inf "$(redis_ms)")" = 0 ]'
expect "the backlog fired" "$?" 0
# (the warning came at mashd's first answer after 09:05:30, long before
# the last batch)
expect "nothing said of the digest the other mashd sent" \
	"$(grep -c 'event="digest_backlog"' "$T/mashd.log")" 0
expect "nor written again" "$(events '' digest | grep -c 'date=2026-12-17 ')" 0
stop_mashd
finish
