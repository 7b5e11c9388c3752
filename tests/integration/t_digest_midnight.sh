#!/bin/sh
# t_digest_midnight: a digest whose wait for a backlog of due timers
# crosses midnight is the digest of the day the wait began (mashd(8)).
# mashd starts on Tuesday at 23:57, the day's digest not sent (mashd was
# away all day), on a backlog that Redis stalls (CLIENT PAUSE, as
# t_digest_backlog); at 00:00:30 on Wednesday (mashd's clock too,
# LIVE_CLOCK=mono: 3 min 30 s, within the digest's 5) Redis takes the
# calls again, and the backlog fires. Tuesday's digest must be written
# then. Before, the day was worked out when the wait ended: Wednesday,
# whose hub opens at 08:00, so Tuesday's digest was never written.
. "$(dirname "$0")/lib.sh"
tuesday_night_backlog
expect "no digest while the backlog is stalled" \
	"$(rcli exists '{mash}:digest:sent:2026-12-15')" 0
at "2026-12-16 00:00:30"
rcli client unpause > /dev/null
wait_for 60 '[ "$(rcli zcount "{mash}:due" -inf "$(redis_ms)")" = 0 ]'
expect "the backlog fired" "$?" 0
wait_for 30 '[ "$(rcli exists "{mash}:digest:sent:2026-12-15")" = 1 ]'
expect "Tuesday's digest written after midnight" "$?" 0
expect "none for Wednesday before its opening" \
	"$(rcli exists '{mash}:digest:sent:2026-12-16')" 0
expect "nothing said: the backlog had fired" \
	"$(grep -c 'event="digest_backlog"' "$T/mashd.log")" 0
stop_mashd
finish
