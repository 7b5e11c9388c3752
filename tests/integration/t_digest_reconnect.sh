#!/bin/sh
# t_digest_reconnect: a reconnection to Redis does not begin the digest's
# 5 minutes of wait for a backlog again (mashd(8)): a Redis that drops
# the connection every few minutes would hold the digest for ever.
# Monday 09:00 (the hub opened at 08:00): mashd starts on a backlog that
# Redis stalls (CLIENT PAUSE, as t_digest_backlog); 3 minutes on (mashd's
# clock, LIVE_CLOCK=mono) Redis drops mashd's connections, and mashd
# connects again; 5 min 30 s after the backlog began Redis takes the calls
# again. The digest waited its 5 minutes: it is gathered at mashd's
# first answer, the backlog still firing, and said (event
# digest_backlog). Before, the failed calls ended the wait, and the
# first answer after the reconnection began 5 new minutes: the digest
# waited for the whole backlog, and nothing was said.
. "$(dirname "$0")/lib.sh"
REDIS_CONF='timeout = 600;'
LIVE_CLOCK=mono
start_redis
N=3000
at "2026-12-14 09:00:00"
stalled_backlog 2028 $N
at "2026-12-14 09:03:00"
from=$(log_lines)
# mashd's connections (redis-cli skips its own)
rcli client kill type normal > /dev/null
expect_log "mashd lost its connection" 'redis: connection lost' "$from"
at "2026-12-14 09:05:30"
rcli client unpause > /dev/null
wait_for 60 '[ "$(rcli zcount "{mash}:due" -inf "$(redis_ms)")" = 0 ]'
expect "the backlog fired" "$?" 0
wait_for 60 '[ "$(rcli exists "{mash}:digest:sent:2026-12-14")" = 1 ]'
expect "Monday's digest written" "$?" 0
expect_log "mashd says the digest waited for the backlog no longer" \
	'event="digest_backlog"\] digest: the digest of 2026-12-14 was gathered while a backlog of due timers still fired'
stop_mashd
finish
